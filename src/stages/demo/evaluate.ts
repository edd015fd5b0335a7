// The demo's evaluation of one pretrained model (a variant and seed): zero-shot on the classify
// split, retrieval on probe-test's quality captions (CLIP variants), frozen-encoder dense probes on
// probe-train -> probe-test at every label fraction (the second paper's protocol), and finetuning
// of encoder + dense head at every label fraction (the first paper's protocol).
import { join } from 'node:path';
import { tokenize } from '../../tokenizer/index.js';
import { loadModelForEval } from '../../eval/load_model.js';
import { classifyTasks, zeroShotEval, type ZeroShotResult } from '../../eval/zero_shot.js';
import { retrievalEval, type RetrievalResult } from '../../eval/retrieval.js';
import { runDenseProbes, type DenseProbeResults } from '../../eval/probe/index.js';
import type { DenseTaskName } from '../../tasks/index.js';
import { IMAGE_ONLY, UNTRAINED, type DemoConfig, type Variant } from './config.js';
import { runDir, variantModel } from './pretrain.js';
import { worldDir } from './zoo.js';
import { tarsIn } from '../../data/shards/folder.js';

/** Everything measured on one pretrained model. */
export interface ModelEval {
  variant: Variant;
  seed: number;
  zeroShot: Record<string, ZeroShotResult> | null;
  retrieval: RetrievalResult | null;
  probes: DenseProbeResults;
  /** Encoder + head finetuned together (null when the config finetunes no task). */
  finetune: DenseProbeResults | null;
}

/** Evaluates one variant's model for one pretraining seed (E, N: a random init made with that seed). */
export async function evaluateModel(cfg: DemoConfig, v: Variant, seed: number, device: string, log: (s: string) => void): Promise<ModelEval> {
  const spec = UNTRAINED.includes(v) ? variantModel(cfg, v) : runDir(cfg, v, seed);
  const { model } = loadModelForEval(spec, { device, ema: true, seed });
  try {
    const world = worldDir(cfg), e = cfg.eval, text = !IMAGE_ONLY.includes(v);
    const imageSize = model.cfg.vision_cfg.image_size, ctx = model.cfg.text_cfg.context_length;
    const tok = (t: string[]) => tokenize(t, ctx);
    const batching = { batch: 64, imageSize, workers: 2, norm: model.cfg.preprocess_cfg };
    const zeroShot = e.zeroShot && text ? await zeroShotEval(model, tarsIn(join(world, 'classify')), classifyTasks(world), tok, device, batching) : null;
    const retrieval = e.retrieval && text ? await retrievalEval(model, tarsIn(join(world, 'probe-test')), tok, device, { ...batching, captions: 'txt' }) : null;
    const probes = await runDenseProbes({
      encoder: model, data: world, tasks: e.tasks as DenseTaskName[], segHead: e.segHead as 'linear' | 'psp', mode: 'probe', fractions: e.fractions,
      seeds: e.probeSeeds, steps: e.probeSteps, batch: e.probeBatch, lr: e.probeLr, device, log,
    });
    const f = e.finetune;
    const finetune = f.tasks.length ? await runDenseProbes({
      encoder: model, data: world, tasks: f.tasks as DenseTaskName[], segHead: e.segHead as 'linear' | 'psp', mode: 'finetune', fractions: f.fractions,
      seeds: f.seeds, steps: f.steps, batch: f.batch, lr: f.lr, towerLrScale: f.towerLrScale, layerDecay: f.layerDecay, samples: 0, device, log,
    }) : null;
    return { variant: v, seed, zeroShot, retrieval, probes, finetune };
  } finally {
    model.dispose();
  }
}
