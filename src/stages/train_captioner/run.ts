// `zooclip train-captioner`: trains the CoCa-style captioner on a split's quality captions (the
// Loader's `syn` mode draws one of each sample's syn.json captions per pass), with AdamW,
// warmup + cosine, clipping, atomic resumable checkpoints and metrics.jsonl; then writes the
// final captioner folder (out/captioner) and captions held-out images next to their truth.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDevice, getNumThreads, manualSeed, setNumThreads, type Tensor } from '../../engine/index.js';
import { Loader, type Batch, type LoaderState } from '../../data/loader/index.js';
import { readShards } from '../../data/shards/index.js';
import { tokenize } from '../../tokenizer/index.js';
import { AdamW } from '../../optim/adamw.js';
import { splitDecay } from '../../optim/param_groups.js';
import { applySchedule, warmupCosine } from '../../optim/schedule.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { CoCaCaptioner, getCaptionerConfig, parseCaptionerConfig, saveCaptioner, type CaptionerCfg } from '../../models/captioner/index.js';
import { collectOutputIds } from './vocab.js';
import { ZooclipCaptioner } from '../../zoo/captioner_zooclip.js';
import { checkpointPolicy, clearInterruptedSaves, readStageState, resumeCheckpoint, stageState, type StageState } from '../../training/checkpoint.js';
import { MetricsLog, Progress } from '../../training/metrics.js';
import { trainLoop, type LoopResult, type MicroLoss, type TrainLoopSpec } from '../../training/loop.js';
import type { CaptionerTrainConfig } from './config.js';
import { evaluateHeldOut, imageReliance, planHoldout, readHeldOut, type HeldOutResult, type HoldoutPlan, type ImageReliance } from './heldout.js';
import { tarsIn } from '../../data/shards/folder.js';
import { readJsonFile } from '../../config/json_file.js';

/** state.json of a captioner checkpoint (training/checkpoint.ts writes it; readStageState checks its fields). */
export interface CaptionerState extends StageState<CaptionerTrainConfig> {
  reason: 'periodic' | 'final';
}

/** What a run reports (also result.json). */
export interface CaptionerTrainResult {
  steps: number;
  firstLoss: number;
  lastLoss: number;
  imagesPerSec: number;
  seconds: number;
  /** The final captioner folder. */
  captioner: string;
  heldOut: HeldOutResult[];
  /** Held-out caption loss with the right vs other images (absent without held-out samples). */
  imageReliance?: ImageReliance;
}

function trainLoader(c: CaptionerTrainConfig, plan: HoldoutPlan, imageSize: number, context: number, resume?: LoaderState): Loader {
  const shards = tarsIn(join(c.data, c.split));
  if (!shards.length) throw new Error(`train-captioner: no .tar shards in ${join(c.data, c.split)} (make a world with: zooclip synth --out ${c.data})`);
  const keep = plan.trains;
  return new Loader({
    source: (ctx) => (async function* () {
      for await (const s of readShards(shards, { rank: ctx.rank, worldSize: ctx.worldSize })) if (!keep || keep(s.key)) yield s;
    })(),
    rankSplit: 'source', batchSize: c.batch, imageSize, train: true, augment: { scale: [c.minCropScale, 1] }, captions: { mode: 'syn' },
    tokenize: (t: string[]): Tensor => tokenize(t, context), workers: c.workers, shuffle: 1000, seed: c.seed, iteration: 'resampled', dropLast: true, resume,
  });
}

async function nextBatch(it: AsyncIterator<Batch>): Promise<Batch> {
  const r = await it.next();
  if (r.done) throw new Error('train-captioner: the loader ended (no samples in the split?)');
  return r.value;
}

/**
 * The run's architecture: on resume the one it started with (out/captioner.json), else the preset
 * or file, with output_ids collected from the training captions when vocab is 'data'.
 */
async function architecture(c: CaptionerTrainConfig, plan: HoldoutPlan, resuming: boolean): Promise<CaptionerCfg> {
  const path = join(c.out, 'captioner.json');
  if (resuming && existsSync(path)) return parseCaptionerConfig(readJsonFile(path, 'captioner config'), path);
  const arch = getCaptionerConfig(c.model);
  if (c.vocab === 'data' && !arch.decoder_cfg.output_ids) {
    arch.decoder_cfg.output_ids = await collectOutputIds(tarsIn(join(c.data, c.split)), plan.trains, arch.decoder_cfg.context_length);
  }
  writeFileAtomic(path, JSON.stringify(arch, null, 2) + '\n');
  return arch;
}

function makeOptimizer(model: CoCaCaptioner, c: CaptionerTrainConfig): AdamW {
  const [decay, noDecay] = splitDecay(model.namedParameters());
  return new AdamW([
    { params: decay.map(([, p]) => p), names: decay.map(([n]) => n) },
    { params: noDecay.map(([, p]) => p), names: noDecay.map(([n]) => n), hyper: { weightDecay: 0 } },
  ], { lr: c.lr, weightDecay: c.weightDecay, beta1: 0.9, beta2: 0.98, eps: 1e-6 });
}

/** The captioner's loss on a loader batch (caption cross-entropy, plus the contrastive term when the model has one). */
function captionerLossOf(model: CoCaCaptioner, device: string): (b: Batch) => MicroLoss {
  return (b) => {
    const r = model.loss(b.images.to(device), b.tokens!.to(device));
    return { total: r.total, values: r.values as Record<string, number> };
  };
}

/** The logged logit scale: exp of the (clamped) parameter, when the captioner has a contrastive term. */
function captionerScale(model: CoCaCaptioner): number {
  return model.logit_scale ? Math.exp(Math.min(model.logit_scale.item(), Math.log(100))) : NaN;
}

/** What the training steps need besides the config. */
interface CaptionerRun { model: CoCaCaptioner; opt: AdamW; plan: HoldoutPlan; resumed?: CaptionerState; device: string; log: (s: string) => void; describe: string }

/** Steps from the resumed step (or 0) to c.steps through the training loop, checkpointing as configured. */
async function trainSteps(c: CaptionerTrainConfig, x: CaptionerRun): Promise<LoopResult> {
  const { model, opt } = x;
  const schedule = warmupCosine({ baseLr: c.lr, warmupSteps: c.warmup, totalSteps: c.steps, minLr: c.minLr });
  // Opened before the loader (which starts worker threads): a bad metrics file fails with nothing to close.
  const metrics = new MetricsLog(join(c.out, 'metrics.jsonl'), x.resumed?.step);
  const loader = trainLoader(c, x.plan, model.imageSize, model.cfg.decoder_cfg.context_length, x.resumed?.loader);
  const it = loader[Symbol.asyncIterator]();
  x.log(x.describe);
  const spec: TrainLoopSpec<Batch> = {
    who: 'train-captioner', params: model.parameters(), opt, setLr: (s) => applySchedule(opt, schedule, s), lossOf: captionerLossOf(model, x.device),
    disposeBatch: (b) => b.dispose(), steps: c.steps, start: x.resumed && { step: x.resumed.step, skipped: x.resumed.skipped }, samplesPerStep: c.batch,
    clipGrad: c.clipGrad, log: x.log, logEvery: c.logEvery, metrics, progress: new Progress(c.steps, x.log),
    describe: (values) => ({ loss: values, logitScale: captionerScale(model) }),
    checkpoint: checkpointPolicy(join(c.out, 'checkpoints'), { model, opt, ema: null }, { every: c.checkpointEvery, keep: c.keep }, (r, k) => stageState(r, k, loader.state(), c)),
  };
  try {
    return await trainLoop(spec, () => nextBatch(it));
  } finally {
    await loader.close();
  }
}

/**
 * Trains a captioner per `c`; with `resume` (a checkpoint folder or 'latest') continues where it stopped.
 * @example await runTrainCaptioner(resolveCaptionerConfig({ data: '/tmp/world', steps: 300 }));
 */
export async function runTrainCaptioner(c: CaptionerTrainConfig, o: { resume?: string; log?: (s: string) => void } = {}): Promise<CaptionerTrainResult> {
  const log = o.log ?? console.log;
  const device = c.device || defaultDevice();
  if (c.threads) setNumThreads(c.threads);
  mkdirSync(c.out, { recursive: true });
  clearInterruptedSaves(join(c.out, 'checkpoints'), log);
  const plan = planHoldout(c);
  const arch = await architecture(c, plan, o.resume !== undefined);
  manualSeed(c.seed);
  const model = new CoCaCaptioner(arch).to(device).train();
  const opt = makeOptimizer(model, c);
  const vocab = arch.decoder_cfg.output_ids ? `${arch.decoder_cfg.output_ids.length} output tokens` : 'the full vocabulary';
  const describe = `zooclip train-captioner: ${c.model} (${(model.numParams() / 1e6).toFixed(2)} M params, ${vocab}), ${c.data}/${c.split}, held out: ${plan.describe}, ` +
    `batch ${c.batch}, ${c.steps} steps, device ${device}, ${getNumThreads()} threads`;
  try {
    const resumed = o.resume ? resumeCheckpoint(o.resume, c.out, { model, opt, ema: null }, device, (dir) => readStageState(dir) as unknown as CaptionerState, log) : undefined;
    writeFileAtomic(join(c.out, 'run.json'), JSON.stringify(c, null, 2) + '\n');
    const t = await trainSteps(c, { model, opt, plan, resumed, device, log, describe });
    const captioner = join(c.out, 'captioner');
    saveCaptioner(model, captioner);
    const { heldOut, reliance } = await heldOutReport(model, c, plan, device, log);
    const steps = t.counters.step;
    const result: CaptionerTrainResult = {
      steps, firstLoss: t.firstLoss, lastLoss: t.lastLoss, imagesPerSec: ((steps - t.startStep) * c.batch) / t.seconds, seconds: t.seconds, captioner, heldOut,
      ...(reliance && { imageReliance: reliance }),
    };
    writeFileAtomic(join(c.out, 'result.json'), JSON.stringify(result, null, 2) + '\n');
    log(`done: ${steps} steps in ${t.seconds.toFixed(1)} s (${result.imagesPerSec.toFixed(0)} img/s), loss ${t.firstLoss.toFixed(4)} -> ${t.lastLoss.toFixed(4)}, captioner ${captioner}`);
    return result;
  } finally {
    opt.dispose();
    model.dispose();
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** Below this gain (nats per token) the held-out report warns that the captioner does not read its images. */
export const MIN_IMAGE_GAIN = 0.05;

/**
 * Captions held-out images greedily and by top-p sampling, prints a few next to their truth, grades
 * all, and measures how much the captions depend on the images (imageReliance).
 */
async function heldOutReport(model: CoCaCaptioner, c: CaptionerTrainConfig, plan: HoldoutPlan, device: string, log: (s: string) => void): Promise<{ heldOut: HeldOutResult[]; reliance?: ImageReliance }> {
  if (c.evalImages === 0) return { heldOut: [] };
  const samples = await readHeldOut(plan, c.evalImages);
  if (!samples.length) { log('no held-out samples to caption'); return { heldOut: [] }; }
  const cap = new ZooclipCaptioner(model, `zooclip:${join(c.out, 'captioner')}`, device);
  const results = [await evaluateHeldOut(cap, samples, { strategy: 'greedy', seed: c.seed }), await evaluateHeldOut(cap, samples, { strategy: 'sample', topP: 0.9, seed: c.seed })];
  for (let i = 0; i < Math.min(c.show, samples.length); i++) {
    log(`\n[${samples[i]!.key}] truth:  ${samples[i]!.caption}`);
    for (const r of results) log(`  ${r.strategy}: ${r.captions[i]}`);
  }
  for (const r of results) {
    const s = r.summary;
    log(`held-out ${r.strategy}: ${s.captions} captions, ${r.captionsPerSec.toFixed(1)} captions/s; shapes exact ${pct(s.shapesExact)} ` +
      `(precision ${pct(s.shapePrecision)}, recall ${pct(s.shapeRecall)}), colours exact ${pct(s.coloursExact)}, count right ${pct(s.countRight)}`);
  }
  const reliance = samples.length > 1 ? imageReliance(model, samples, device) : undefined;
  if (reliance) {
    log(`held-out caption loss ${reliance.ownImages.toFixed(3)} with the right images, ${reliance.otherImages.toFixed(3)} with other images (gain ${reliance.gain.toFixed(3)} nats/token)` +
      (reliance.gain < MIN_IMAGE_GAIN ? ': WARNING the captioner barely reads its images (train longer, or a larger lr)' : ''));
  }
  return { heldOut: results, reliance };
}
