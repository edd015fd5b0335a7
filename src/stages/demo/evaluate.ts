// The demo's evaluation of one pretrained model (a variant and seed): zero-shot on the classify
// split, retrieval on probe-test's quality captions, and frozen-encoder dense probes on
// probe-train -> probe-test at every label fraction (the data-efficiency curve).
import { join } from 'node:path';
import { tokenize } from '../../tokenizer/index.js';
import { loadModelForEval } from '../../eval/load_model.js';
import { classifyTasks, zeroShotEval, type ZeroShotResult } from '../../eval/zero_shot.js';
import { retrievalEval, type RetrievalResult } from '../../eval/retrieval.js';
import { runDenseProbes, type DenseProbeResults } from '../../eval/probe/index.js';
import type { DenseTaskName } from '../../tasks/index.js';
import type { DemoConfig, Variant } from './config.js';
import { runDir } from './pretrain.js';
import { worldDir } from './zoo.js';
import { tarsIn } from '../../data/shards/folder.js';

/** Everything measured on one pretrained model. */
export interface ModelEval {
  variant: Variant;
  seed: number;
  zeroShot: Record<string, ZeroShotResult> | null;
  retrieval: RetrievalResult | null;
  probes: DenseProbeResults;
}

/** Evaluates one variant's model for one pretraining seed (E: a random init made with that seed). */
export async function evaluateModel(cfg: DemoConfig, v: Variant, seed: number, device: string, log: (s: string) => void): Promise<ModelEval> {
  const spec = v === 'E' ? cfg.pretrain.model : runDir(cfg, v, seed);
  const { model } = loadModelForEval(spec, { device, ema: true, seed });
  try {
    const world = worldDir(cfg), e = cfg.eval;
    const imageSize = model.cfg.vision_cfg.image_size, ctx = model.cfg.text_cfg.context_length;
    const tok = (t: string[]) => tokenize(t, ctx);
    const batching = { batch: 64, imageSize, workers: 2, norm: model.cfg.preprocess_cfg };
    const zeroShot = e.zeroShot ? await zeroShotEval(model, tarsIn(join(world, 'classify')), classifyTasks(world), tok, device, batching) : null;
    const retrieval = e.retrieval ? await retrievalEval(model, tarsIn(join(world, 'probe-test')), tok, device, { ...batching, captions: 'txt' }) : null;
    const probes = await runDenseProbes({
      encoder: model, data: world, tasks: e.tasks as DenseTaskName[], segHead: e.segHead as 'linear' | 'psp', mode: 'probe', fractions: e.fractions,
      seeds: e.probeSeeds, steps: e.probeSteps, batch: e.probeBatch, lr: e.probeLr, device, log,
    });
    return { variant: v, seed, zeroShot, retrieval, probes };
  } finally {
    model.dispose();
  }
}
