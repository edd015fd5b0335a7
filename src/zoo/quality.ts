// `zooclip zoo-quality`: how good the zoo's outputs are on the synthetic world, against the hidden
// ground truth of the web split (`web-gt`): (a) the share of captions whose stated shapes, colours
// and counts are right, for the web alt-texts, the world's own quality captions (a check of the
// reader: should be ~100%) and every captioned shard set given; (b) pseudo-label quality (mIoU,
// depth RMSE, normals angle, detection AP50) of every labelled shard set given.
import { readShards, type RawSample } from '../data/shards/index.js';
import { syntheticCaptions } from '../data/loader/captions.js';
import { writeFileAtomic } from '../io/atomic.js';
import { checkCaption, type CaptionVerdict, type SceneObjects } from './quality/claims.js';
import { LabelQuality, type LabelScores } from './quality/labels.js';
import { inputShards } from './shard_map/inputs.js';
import { DENSE_TASK_NAMES, DENSE_TASKS } from '../tasks/index.js';

/** A named shard set. */
export interface NamedShards { name: string; spec: string }

/** Settings of {@link runQuality}. */
export interface QualityOptions {
  /** Ground-truth shards (the synthetic world's web-gt: `json` with the scene, label fields, `txt`, `syn.json`). */
  gt: string;
  /** Captioned shard sets (their syn.json is scored). */
  captions?: NamedShards[];
  /** Pseudo-labelled shard sets. */
  labels?: NamedShards[];
  /** Report file (JSON, written atomically). */
  out?: string;
  /** Score at most this many samples per set. */
  limit?: number;
  log?: (line: string) => void;
}

/** Caption quality of one source: per aspect, the share of captions stating it and the share of those that are right. */
export interface CaptionScores {
  captions: number;
  shapes: { stated: number; correct: number };
  colours: { stated: number; correct: number };
  counts: { stated: number; correct: number };
  /** Captions with at least one claim, all true. */
  allCorrect: number;
  /** Share of all claims that are true. */
  claimPrecision: number;
}

/** The report. */
export interface QualityReport {
  gt: string;
  captions: Record<string, CaptionScores>;
  labels: Record<string, LabelScores & { missingGt: number }>;
}

/** Tallies verdicts into CaptionScores. */
class CaptionTally {
  private n = 0;
  private readonly stated = { shapes: 0, colours: 0, counts: 0 };
  private readonly right = { shapes: 0, colours: 0, counts: 0 };
  private all = 0;
  private claims = 0;
  private wrong = 0;

  add(v: CaptionVerdict): void {
    this.n++;
    for (const k of ['shapes', 'colours', 'counts'] as const) {
      if (v[k] !== 'none') this.stated[k]++;
      if (v[k] === 'correct') this.right[k]++;
    }
    if (v.claims > 0 && v.wrongClaims === 0) this.all++;
    this.claims += v.claims;
    this.wrong += v.wrongClaims;
  }

  scores(): CaptionScores {
    const share = (a: number, b: number): number => (b ? a / b : NaN);
    const aspect = (k: 'shapes' | 'colours' | 'counts'): { stated: number; correct: number } => ({ stated: share(this.stated[k], this.n), correct: share(this.right[k], this.stated[k]) });
    return { captions: this.n, shapes: aspect('shapes'), colours: aspect('colours'), counts: aspect('counts'), allCorrect: share(this.all, this.n),
      claimPrecision: share(this.claims - this.wrong, this.claims) };
  }
}

/** The ground truth by key, fetched as the other stream asks for it (shard sets in the same order need almost no buffering). */
class GtIndex {
  private readonly it: AsyncIterator<RawSample>;
  private readonly buffered = new Map<string, RawSample>();
  private ended = false;

  constructor(spec: string) {
    this.it = readShards(inputShards(spec))[Symbol.asyncIterator]();
  }

  async get(key: string): Promise<RawSample | undefined> {
    for (;;) {
      const hit = this.buffered.get(key);
      if (hit) { this.buffered.delete(key); return hit; }
      if (this.ended) return undefined;
      const r = await this.it.next();
      if (r.done) { this.ended = true; continue; }
      this.buffered.set(r.value.key, r.value);
    }
  }
}

function sceneOf(gt: RawSample): SceneObjects {
  const j = gt.fields.get('json');
  const scene = j ? (JSON.parse(j.toString('utf8')) as { scene?: SceneObjects }).scene : undefined;
  if (!scene || !Array.isArray(scene.objects)) throw new Error(`zoo-quality: ground truth ${gt.shard} key ${gt.key} has no json scene description (is it the synthetic world's web-gt?)`);
  return scene;
}

function segClassCount(gt: RawSample): number {
  const j = gt.fields.get('json');
  const classes = j ? (JSON.parse(j.toString('utf8')) as { seg_classes?: unknown[] }).seg_classes : undefined;
  return Array.isArray(classes) ? classes.length : 255;
}

/** Web captions (gt `txt`) and the world's quality captions (gt `syn.json`). */
async function groundTruthCaptions(o: QualityOptions): Promise<Record<string, CaptionScores>> {
  const web = new CaptionTally(), quality = new CaptionTally();
  let n = 0;
  for await (const s of readShards(inputShards(o.gt))) {
    if (o.limit !== undefined && n++ >= o.limit) break;
    const scene = sceneOf(s);
    const txt = s.fields.get('txt');
    if (txt) web.add(checkCaption(txt.toString('utf8'), scene));
    for (const c of syntheticCaptions(s.fields.get('syn.json'))) quality.add(checkCaption(c, scene));
  }
  return { web: web.scores(), 'quality (ground truth)': quality.scores() };
}

async function scoreCaptions(set: NamedShards, o: QualityOptions): Promise<CaptionScores> {
  const gt = new GtIndex(o.gt), tally = new CaptionTally();
  let n = 0;
  for await (const s of readShards(inputShards(set.spec))) {
    if (o.limit !== undefined && n++ >= o.limit) break;
    const g = await gt.get(s.key);
    if (!g) throw new Error(`zoo-quality: ${set.name}: ${s.shard} key ${s.key} is not in the ground truth ${o.gt}`);
    const scene = sceneOf(g);
    for (const c of syntheticCaptions(s.fields.get('syn.json'))) tally.add(checkCaption(c, scene));
  }
  return tally.scores();
}

async function scoreLabels(set: NamedShards, o: QualityOptions): Promise<LabelScores & { missingGt: number }> {
  const gt = new GtIndex(o.gt);
  let q: LabelQuality | undefined, n = 0, missing = 0;
  for await (const s of readShards(inputShards(set.spec))) {
    if (o.limit !== undefined && n++ >= o.limit) break;
    const g = await gt.get(s.key);
    if (!g) { missing++; continue; }
    q ??= new LabelQuality(segClassCount(g));
    q.add(s.fields, g.fields, `${set.name}: ${s.shard} key ${s.key}`);
  }
  return { ...(q?.scores() ?? { samples: 0 }), missingGt: missing };
}

const pct = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`);
const num = (x: number | undefined, d = 3): string => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));

/** The report as printable tables. */
export function formatQuality(r: QualityReport): string {
  const lines = ['captions                n      shapes ok   colours ok  counts ok   all ok   claims ok'];
  for (const [name, c] of Object.entries(r.captions)) {
    lines.push(`${name.padEnd(24)}${String(c.captions).padEnd(7)}${pct(c.shapes.correct).padEnd(12)}${pct(c.colours.correct).padEnd(12)}${pct(c.counts.correct).padEnd(12)}${pct(c.allCorrect).padEnd(9)}${pct(c.claimPrecision)}`);
  }
  if (Object.keys(r.labels).length) {
    // one column per task: its headline metric (the task table's)
    const cols = DENSE_TASK_NAMES.map((t) => ({ t, h: DENSE_TASKS[t].headline, m: DENSE_TASKS[t].metrics.find((x) => x.name === DENSE_TASKS[t].headline.metric)! }));
    const width = Math.max(...cols.map((c) => c.h.label.length)) + 2;
    lines.push('', `${'pseudo-labels'.padEnd(24)}${'n'.padEnd(7)}${cols.map((c) => c.h.label.padEnd(width)).join('').trimEnd()}`);
    for (const [name, l] of Object.entries(r.labels)) {
      const cell = (c: (typeof cols)[number]): string => {
        const v = (l[c.t] as Record<string, number> | undefined)?.[c.m.name];
        return (c.m.percent ? pct(v) : num(v)).padEnd(width);
      };
      lines.push(`${name.padEnd(24)}${String(l.samples).padEnd(7)}${cols.map(cell).join('').trimEnd()}`);
    }
  }
  return lines.join('\n');
}

/**
 * Scores caption and pseudo-label sets against the world's ground truth; writes `o.out` (JSON).
 * @example
 * const r = await runQuality({ gt: 'data/synth/web-gt', captions: [{ name: 'captioner', spec: 'data/web-cap' }],
 *   labels: [{ name: 'zoo experts', spec: 'data/web-labels' }], out: 'zoo-quality.json' });
 */
export async function runQuality(o: QualityOptions): Promise<QualityReport> {
  const log = o.log ?? ((l: string) => console.log(l));
  const report: QualityReport = { gt: o.gt, captions: await groundTruthCaptions(o), labels: {} };
  for (const set of o.captions ?? []) report.captions[set.name] = await scoreCaptions(set, o);
  for (const set of o.labels ?? []) report.labels[set.name] = await scoreLabels(set, o);
  if (o.out) writeFileAtomic(o.out, JSON.stringify(report, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n');
  log(formatQuality(report));
  return report;
}
