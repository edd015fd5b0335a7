// The premises the first paper's claims rest on, checked from measured numbers before any verdict
// is read: (1) the quality captions really are better than the alt-text, against the world's
// hidden scenes; (2) CLIP really trains: zero-shot top-1 at least twice chance on every classify
// task and a contrastive loss at least one nat below ln(batch) (uniform guessing over the batch).
import type { CaptionScores, QualityReport } from '../../zoo/quality.js';
import type { DemoConfig, Variant } from './config.js';
import type { ModelEval } from './evaluate.js';
import { meanStd } from './verdict.js';

/** The caption sources the zoo-quality stage grades, by role. */
export const CAPTION_SOURCES = { captioner: 'captioner (web-cap syn.json)', web: 'web' } as const;

/** One premise, its figures and whether it holds. */
export interface Premise { id: string; text: string; met: boolean; figures: Record<string, unknown>; detail: string }

const ASPECTS = ['shapes', 'colours', 'counts'] as const;
const pct = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');

/** The grader's figures of one caption source (NaN = the source states no such claim). */
function captionFigures(s: CaptionScores | undefined): Record<string, number> {
  if (!s) return { claimPrecision: NaN, shapes: NaN, colours: NaN, counts: NaN };
  return { claimPrecision: s.claimPrecision, ...Object.fromEntries(ASPECTS.map((a) => [a, s[a].correct ?? NaN])) };
}

/**
 * "The captioner's captions are better than the web captions": higher claim precision, and higher
 * accuracy on every aspect (shape, colour, count) the web captions state at all.
 * @example captionsPremise(quality).met // false when the captioner's claims are less often true
 */
export function captionsPremise(q: QualityReport | null): Premise {
  const cap = captionFigures(q?.captions[CAPTION_SOURCES.captioner]), web = captionFigures(q?.captions[CAPTION_SOURCES.web]);
  const beats = (k: string): boolean => !Number.isFinite(web[k]!) || cap[k]! > web[k]!;
  const met = Number.isFinite(cap.claimPrecision!) && Number.isFinite(web.claimPrecision!) && beats('claimPrecision') && ASPECTS.every(beats);
  const detail = ['claimPrecision', ...ASPECTS].map((k) => `${k} ${pct(cap[k]!)} vs ${pct(web[k]!)}`).join(', ');
  return { id: 'captions', text: 'The captioner\'s captions are better than the web captions (against the hidden scenes)', met, figures: { captioner: cap, web }, detail: `captioner vs web: ${detail}` };
}

/**
 * "CLIP trains" for a variant: its zero-shot top-1 (mean over pretraining seeds) is at least twice
 * chance on every classify task, and its contrastive loss ends at least 1 nat below ln(batch).
 * @example clipTrainsPremise(cfg, evals, { 'B-seed0': 2.1 }, 'B').met
 */
export function clipTrainsPremise(cfg: DemoConfig, evals: readonly ModelEval[], contrastive: Record<string, number | null>, v: Variant): Premise {
  const es = evals.filter((e) => e.variant === v && e.zeroShot);
  const tasks = es.length ? Object.keys(es[0]!.zeroShot!) : [];
  const zeroShot = Object.fromEntries(tasks.map((t) => [t, { top1: meanStd(es.map((e) => e.zeroShot![t]!.top1)).mean, chance: es[0]!.zeroShot![t]!.chance }]));
  const losses = cfg.pretrain.seeds.map((s) => contrastive[`${v}-seed${s}`]).filter((x): x is number => typeof x === 'number');
  const loss = losses.length ? meanStd(losses).mean : NaN, ceiling = Math.log(cfg.pretrain.batch) - 1;
  const zsMet = tasks.length > 0 && tasks.every((t) => zeroShot[t]!.top1 >= 2 * zeroShot[t]!.chance);
  const met = zsMet && loss <= ceiling;
  const detail = `${v}: ${tasks.map((t) => `${t} ${pct(zeroShot[t]!.top1)} (2x chance ${pct(2 * zeroShot[t]!.chance)})`).join(', ') || 'no zero-shot'}; contrastive loss ${Number.isFinite(loss) ? loss.toFixed(2) : 'n/a'} (needs <= ln(${cfg.pretrain.batch}) - 1 = ${ceiling.toFixed(2)})`;
  return { id: `clip-trains-${v}`, text: `CLIP trains (variant ${v}): zero-shot >= 2x chance on every task, contrastive loss >= 1 nat below ln(batch)`, met,
    figures: { variant: v, zeroShot, contrastiveLoss: loss, lossCeiling: ceiling }, detail };
}
