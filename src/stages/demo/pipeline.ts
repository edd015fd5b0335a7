// `zooclip demo`: both papers in miniature on the synthetic world, end to end and resumable:
// world -> zoo (captioner + experts on `zoo`) -> caption + pseudo-label `web` -> pretrain the
// variants (A web captions, B quality captions, C B + pseudo-label heads, D B + true-label heads,
// E no pretraining, F MAE, S supervised, M/N the MCi tower with B's recipe / untrained) ->
// probes, finetuning, zero-shot, retrieval -> premise checks -> claims with verdicts -> report.html.
import { join } from 'node:path';
import { defaultDevice, getNumThreads, setNumThreads } from '../../engine/index.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { writeReport } from '../../eval/report/index.js';
import { runQuality, type QualityReport } from '../../zoo/quality.js';
import { runSynth } from '../synth/run.js';
import { resolveExpertConfig } from '../train_expert/config.js';
import { runTrainExpert } from '../train_expert/run.js';
import { UNTRAINED, type DemoConfig, type Variant } from './config.js';
import { CAPTION_SOURCES, captionsPremise, clipTrainsPremise, type Premise } from './premises.js';
import { evaluateClaims } from './claims.js';
import { evaluateModel, type ModelEval } from './evaluate.js';
import { lastContrastiveLoss, pretrainVariant, runDir, SPLITS } from './pretrain.js';
import { demoReport } from './report.js';
import { stage, stageSeconds } from './stage.js';
import { captionWeb, labelWeb, splitDir, templateCaptions, trainCaptioner, truthLabels, worldDir } from './zoo.js';
import { listCheckpoints } from '../../training/checkpoint.js';
import { DENSE_TASK_NAMES } from '../../tasks/names.js';

/** What the demo wrote. */
export interface DemoResult { report: string; json: string; claims: { id: string; verdict: string }[] }

/** The four experts on the world's zoo split, each a resumable stage; returns their folders by task. */
async function trainExperts(cfg: DemoConfig, threads: number, log: (s: string) => void): Promise<Record<string, string>> {
  const out = cfg.out, world = worldDir(cfg), e = cfg.experts;
  const experts: Record<string, string> = {};
  for (const task of DENSE_TASK_NAMES) {
    const r = await stage(out, `expert-${task}`, log, async () => {
      const c = resolveExpertConfig({ task, data: world, split: 'zoo', evalSplit: 'probe-test', out: join(out, 'zoo', `expert-${task}`), model: e.model,
        steps: e.steps, batch: e.batch, lr: e.lr, warmup: Math.min(50, Math.floor(e.steps / 10)), seed: cfg.seed, device: cfg.device, threads, checkpointEvery: Math.max(1, Math.ceil(e.steps / 2)), keep: 1 });
      const resume = listCheckpoints(join(c.out, 'checkpoints')).length ? 'latest' : undefined;
      const res = await runTrainExpert(c, { resume, log });
      return { dir: res.expert, eval: res.eval ?? null };
    });
    experts[task] = r.dir;
  }
  return experts;
}

/** What pretraining and evaluation measured: each model's evaluation and each run's final contrastive loss. */
interface Measured { evals: ModelEval[]; contrastive: Record<string, number | null> }

/** Pretrains every variant (E and N are untrained baselines) for every seed and evaluates each, as resumable stages. */
async function pretrainAndEvaluate(cfg: DemoConfig, threads: number, device: string, log: (s: string) => void): Promise<Measured> {
  const evals: ModelEval[] = [], contrastive: Record<string, number | null> = {};
  for (const seed of cfg.pretrain.seeds) {
    for (const v of cfg.pretrain.variants as Variant[]) {
      if (!UNTRAINED.includes(v)) {
        await stage(cfg.out, `pretrain-${v}-seed${seed}`, log, async () => {
          const t = await pretrainVariant(cfg, v, seed, threads, log);
          return { steps: t.steps, firstLoss: t.firstLoss, lastLoss: t.lastLoss, imagesPerSec: t.imagesPerSec, checkpoint: t.checkpoint };
        });
        // Read from the run's metrics.jsonl, so a stage finished by an older zooclip is judged too.
        contrastive[`${v}-seed${seed}`] = lastContrastiveLoss(runDir(cfg, v, seed));
      }
      evals.push(await stage(cfg.out, `eval-${v}-seed${seed}`, log, () => evaluateModel(cfg, v, seed, device, log)));
    }
  }
  return { evals, contrastive };
}

/** The premise checks: caption quality, and CLIP training for each CLIP variant a first-paper claim treats. */
function checkPremises(cfg: DemoConfig, m: Measured, quality: QualityReport): Premise[] {
  const clip = (['B', 'M'] as Variant[]).filter((v) => cfg.pretrain.variants.includes(v));
  return [captionsPremise(quality), ...clip.map((v) => clipTrainsPremise(cfg, m.evals, m.contrastive, v))];
}

/** demo.json's premise figures: claim precision of captioner and web captions, zero-shot top-1 and chance per task. */
function premiseFigures(premises: readonly Premise[]): Record<string, unknown> {
  const caps = premises.find((p) => p.id === 'captions')!.figures as { captioner: Record<string, number>; web: Record<string, number> };
  const zeroShot = Object.fromEntries(premises.filter((p) => p.id.startsWith('clip-trains-')).map((p) => [p.figures.variant, p.figures.zeroShot]));
  return { captions: { claimPrecision: { captioner: caps.captioner.claimPrecision, web: caps.web.claimPrecision }, captioner: caps.captioner, web: caps.web }, zeroShot, checks: premises };
}

/**
 * Runs (or resumes) the whole demo; every finished stage is skipped on a rerun.
 * @example await runZooDemo(resolveDemoConfig('quick'));
 */
export async function runZooDemo(cfg: DemoConfig, log: (s: string) => void = console.log): Promise<DemoResult> {
  const device = cfg.device || defaultDevice();
  const threads = getNumThreads();
  setNumThreads(threads);
  const out = cfg.out, world = worldDir(cfg), w = cfg.world;
  const heads = cfg.pretrain.variants.some((v) => v === 'C' || v === 'D');
  log(`zooclip demo -> ${out} (device ${device}, ${threads} threads)`);

  await stage(out, 'world', log, async () => {
    const r = await runSynth({ out: world, size: w.size, noise: w.noise, seed: cfg.seed, zoo: w.zoo, web: w.web, probeTrain: w.probeTrain, probeTest: w.probeTest,
      classify: w.classify, bench: 0, log });
    return { splits: r.splits };
  });
  const captioner = await stage(out, 'captioner', log, async () => {
    const r = await trainCaptioner(cfg, threads, log);
    return { dir: r.captioner, firstLoss: r.firstLoss, lastLoss: r.lastLoss, heldOut: r.heldOut, imageReliance: r.imageReliance };
  });
  const experts = heads ? await trainExperts(cfg, threads, log) : {};
  await stage(out, 'caption-web', log, () => captionWeb(cfg, captioner.dir, device, log));
  if (heads) await stage(out, 'label-web', log, () => labelWeb(cfg, experts, device, log));
  else await stage(out, 'label-web', log, async () => ({ samples: 0, imagesPerSecond: 0, note: 'no head variant' }));
  if (cfg.pretrain.variants.includes('D')) await stage(out, 'truth-labels', log, () => truthLabels(cfg, log));
  if (heads) await stage(out, 'caption-template', log, () => templateCaptions(cfg, experts, device, log));
  const quality = await stage(out, 'zoo-quality', log, async (): Promise<QualityReport> => runQuality({
    gt: splitDir(cfg, 'web-gt'),
    captions: [{ name: CAPTION_SOURCES.captioner, spec: splitDir(cfg, SPLITS.captioned) }, ...(heads ? [{ name: 'template over experts (web-template)', spec: splitDir(cfg, 'web-template') }] : [])],
    labels: heads ? [{ name: 'experts (web-zoo)', spec: splitDir(cfg, SPLITS.pseudo) }] : [], out: join(out, 'zoo-quality.json'), limit: 1000, log,
  }));

  const measured = await pretrainAndEvaluate(cfg, threads, device, log), evals = measured.evals;
  const premises = checkPremises(cfg, measured, quality);
  const claims = evaluateClaims(cfg, evals, premises);
  const names = ['world', 'captioner', ...(heads ? DENSE_TASK_NAMES.map((t) => `expert-${t}`) : []), 'caption-web', 'label-web', ...(heads ? ['caption-template'] : []), 'zoo-quality',
    ...cfg.pretrain.seeds.flatMap((s) => (cfg.pretrain.variants as Variant[]).flatMap((v) => [...(UNTRAINED.includes(v) ? [] : [`pretrain-${v}-seed${s}`]), `eval-${v}-seed${s}`]))];
  const stages = Object.fromEntries(names.map((n) => [n, stageSeconds(out, n)]));
  const report = demoReport(cfg, evals, claims, { quality, stages, premises, captionerHeldOut: captioner.heldOut });
  const reportPath = join(out, 'report.html'), jsonPath = join(out, 'demo.json');
  writeReport(reportPath, report);
  writeFileAtomic(jsonPath, JSON.stringify({ config: cfg, premises: premiseFigures(premises), claims, evals: evals.map((e) => ({ ...e, probes: { ...e.probes, tasks: Object.fromEntries(Object.entries(e.probes.tasks).map(([k, t]) => [k, { ...t, samples: [] }])) } })), quality, stages }, null, 1) + '\n');
  log('');
  for (const p of premises) log(`PREMISE ${p.met ? 'MET    ' : 'NOT MET'} ${p.text}: ${p.detail}`);
  for (const c of claims) log(`${c.verdict.toUpperCase().padEnd(15)} ${c.claim}`);
  log(`\nreport: ${reportPath}\nresults: ${jsonPath}`);
  return { report: reportPath, json: jsonPath, claims: claims.map((c) => ({ id: c.id, verdict: c.verdict })) };
}
