// The typed configuration of a training run, its defaults, presets and strict validation.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dottedLayer, mergeStrict, type JsonObject } from '../../config/strict.js';
import { readJsonFile } from '../../config/json_file.js';
import { DENSE_TASK_NAMES } from '../../tasks/names.js';
import { resolveRandAugment } from '../../data/loader/rand_augment_space.js';

/** Everything a run depends on; written to run.json and every checkpoint. */
export interface TrainConfig {
  /** What pretrains the image tower: clip (image-text contrastive, the loss/heads sections), mae (masked patch reconstruction, the mae section), or supervised (the scene's labels, multi-label BCE, the supervised section); the text tower trains only with clip. */
  objective: TrainObjective;
  run: {
    /** Output folder: run.json, metrics.jsonl, checkpoints/, result.json. */
    out: string;
    /** Seed of model init, data order and augmentation. */
    seed: number;
    /** Optimizer steps. */
    steps: number;
    /** 'cpu', 'cuda:N', or '' for cuda:0 when present, else cpu. */
    device: string;
    /** Intra-op threads (0 = libtorch's default). */
    threads: number;
    /** Write a metrics line every this many steps. */
    logEvery: number;
  };
  model: {
    /** Built-in model config name (e.g. zooclip-tiny) or a config JSON path. */
    name: string;
    /** Gradient checkpointing of the text and vision transformers (less memory, more compute). */
    gradCheckpointing: boolean;
  };
  data: {
    /** Synthetic-world folder (what `zooclip synth --out` wrote). */
    root: string;
    /** Split under root to train on (its shards: root/split/*.tar). */
    split: string;
    /** real: txt; synthetic: syn.json; mixed: real with probability realProb, else synthetic; multi: both, losses summed (DataCompDR). */
    captions: 'real' | 'synthetic' | 'mixed' | 'multi';
    /** Chance of the real caption in mixed mode. */
    realProb: number;
    /** Samples per optimizer step (all micro-batches together). */
    batch: number;
    /** Micro-batches per step (gradient accumulation); batch must divide by it. */
    accum: number;
    /** Decode worker threads. */
    workers: number;
    /** Shuffle buffer in samples. */
    shuffle: number;
    /** Smallest crop area fraction of RandomResizedCrop. */
    minCropScale: number;
    /** torchvision's RandAugment on each training crop (after crop and flip): numOps ops (0 = off) at magnitude bin `magnitude` of `numBins` (DataCompDR: 2, 9, 31). */
    randAugment: { numOps: number; magnitude: number; numBins: number };
    /** Stop the run when more than this share of the samples seen is skipped (corrupt, oversized, unreadable). */
    maxSkipRate: number;
    /** Pixel budget per image: larger images are skipped as image-too-large (Pillow's limit). */
    maxPixels: number;
    /** When distilling, samples with stored augmentations (paug.json, `zooclip reinforce`) show stored view k with teacher row k: uniform (k drawn per sample), sequential (k = epoch mod n_aug), or off (random crops, row epoch mod n_aug). */
    replay: 'uniform' | 'sequential' | 'off';
  };
  loss: {
    /** Contrastive loss: clip (InfoNCE) or siglip. */
    kind: 'clip' | 'siglip';
    /** Weight of the real-caption term in multi mode. */
    realWeight: number;
    /** Weight of the synthetic-caption term in multi mode. */
    syntheticWeight: number;
    /** Weight of the contrastive terms (DataCompDR's first weight; 1 without distillation). */
    contrastive: number;
    /** Weight of distillation from the samples' stored teacher embeddings (`npz`, DataCompDR layout); 0 = off. */
    distill: number;
    /** Teachers side by side in the stored embeddings (DataCompDR: 2). */
    numTeachers: number;
    /** Teacher logit scale (DataCompDR: 100). */
    teacherScale: number;
  };
  /** CLIPTeX pseudo-task heads on the image tower, each trained on the samples that carry its label; weight 0 = no head. */
  heads: {
    seg: number;
    depth: number;
    normals: number;
    det: number;
    /** Segmentation classes (the synthetic world: 7) and head kind. */
    segClasses: number;
    segHead: 'linear' | 'psp';
    /** Detection classes (class ids of det.json labels; the synthetic world: 7). */
    detClasses: number;
    /** Feature level of the image tower the heads read (forwardIntermediates index; -1 = last). */
    level: number;
  };
  /** The supervised objective: a linear head over the image tower's embedding predicts which shapes and colours a scene holds (and its object count), each group's BCE weighted here; 0 = group off. */
  supervised: {
    shape: number;
    colour: number;
    count: number;
    /** Split under data.root whose `json` scene descriptions label the training samples by key ('' = data.split itself; e.g. web-gt for web). */
    labels: string;
  };
  optim: {
    /** Peak learning rate (AdamW). */
    lr: number;
    /** Decoupled weight decay (not on biases, norms, embeddings, logit scale). */
    weightDecay: number;
    beta1: number;
    beta2: number;
    eps: number;
    /** Linear warmup steps. */
    warmup: number;
    /** Floor of the cosine decay. */
    minLr: number;
    /** Max global gradient norm (0 = no clipping). */
    clipGrad: number;
  };
  ema: {
    /** EMA decay of the weights (0 = off); evaluation then uses the averaged weights. */
    decay: number;
    /** EMA warmup horizon (updates). */
    warmup: number;
  };
  checkpoint: {
    /** Save every this many steps (0 = only at the end). */
    every: number;
    /** Checkpoints kept (older ones are deleted; 0 = keep all). */
    keep: number;
  };
  guard: {
    /** Non-finite steps in a row that stop the run (after saving the last good state). */
    maxBadSteps: number;
  };
  /** MAE pretraining (objective mae): masking and the decoder, which is training state only (not exported). */
  mae: {
    /** Share of each image's patches hidden from the encoder. */
    maskRatio: number;
    /** Decoder width, transformer blocks and attention heads (light: the decoder is dropped after pretraining). */
    decoderWidth: number;
    decoderDepth: number;
    decoderHeads: number;
    /** Targets are each patch's pixels normalised by their own mean and variance (MAE's norm_pix_loss). */
    normPixLoss: boolean;
  };
  precision: {
    /** auto: bf16 autocast on CUDA, fp32 on CPU; fp32; bf16 (autocast on any device). */
    autocast: 'auto' | 'fp32' | 'bf16';
  };
  eval: {
    /** Zero-shot top-1 on root/classify (classify.json) at the end. */
    zeroShot: boolean;
    /** Images per evaluation batch. */
    batch: number;
  };
}

/** The pretraining objectives of `zooclip train` (the `objective` key). */
export const TRAIN_OBJECTIVES = ['clip', 'mae', 'supervised'] as const;
export type TrainObjective = (typeof TRAIN_OBJECTIVES)[number];

/** The defaults every preset and override starts from. */
export const DEFAULT_CONFIG: TrainConfig = {
  objective: 'clip',
  run: { out: 'runs/train', seed: 0, steps: 300, device: '', threads: 0, logEvery: 10 },
  model: { name: 'zooclip-tiny', gradCheckpointing: false },
  data: { root: 'data/synth', split: 'web', captions: 'real', realProb: 0.5, batch: 64, accum: 1, workers: 2, shuffle: 1000, minCropScale: 0.5, randAugment: { numOps: 0, magnitude: 9, numBins: 31 }, maxSkipRate: 0.05, maxPixels: 89478485, replay: 'uniform' },
  loss: { kind: 'clip', realWeight: 1, syntheticWeight: 1, contrastive: 1, distill: 0, numTeachers: 1, teacherScale: 100 },
  heads: { seg: 0, depth: 0, normals: 0, det: 0, segClasses: 7, segHead: 'linear', detClasses: 7, level: -1 },
  supervised: { shape: 1, colour: 1, count: 1, labels: '' },
  optim: { lr: 1e-3, weightDecay: 0.1, beta1: 0.9, beta2: 0.98, eps: 1e-6, warmup: 20, minLr: 0, clipGrad: 1 },
  ema: { decay: 0, warmup: 10 },
  checkpoint: { every: 100, keep: 2 },
  guard: { maxBadSteps: 5 },
  mae: { maskRatio: 0.75, decoderWidth: 64, decoderDepth: 1, decoderHeads: 2, normPixLoss: true },
  precision: { autocast: 'auto' },
  eval: { zeroShot: true, batch: 64 },
};

const ENUMS: Record<string, readonly string[]> = {
  objective: TRAIN_OBJECTIVES,
  'data.captions': ['real', 'synthetic', 'mixed', 'multi'],
  'data.replay': ['uniform', 'sequential', 'off'],
  'loss.kind': ['clip', 'siglip'],
  'heads.segHead': ['linear', 'psp'],
  'precision.autocast': ['auto', 'fp32', 'bf16'],
};

/** The folder of the bundled presets (src/stages/train/presets, also from dist/). */
export function presetDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const fromDist = join(here, '..', '..', '..', '..', 'src', 'stages', 'train', 'presets');
  return existsSync(fromDist) ? fromDist : join(here, 'presets');
}

/** Reads a preset: a bundled name (tiny-synth) or a JSON file path. */
export function readPreset(nameOrPath: string): { layer: unknown; source: string } {
  const path = nameOrPath.endsWith('.json') ? nameOrPath : join(presetDir(), `${nameOrPath}.json`);
  if (!existsSync(path)) throw new Error(`train: no preset '${nameOrPath}' (looked for ${path})`);
  return { layer: readJsonFile(path, 'train preset'), source: `preset ${path}` };
}

function checkInt(v: number, key: string, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`train config: ${key} must be an integer >= ${min}, got ${v}`);
}

/** The supervised block's weights, and what the supervised objective cannot combine with. */
function checkSupervised(c: TrainConfig): void {
  const s = c.supervised;
  for (const k of ['shape', 'colour', 'count'] as const) if (!(s[k] >= 0)) throw new Error(`train config: supervised.${k} must be >= 0, got ${s[k]}`);
  if (c.objective !== 'supervised') return;
  if (s.shape === 0 && s.colour === 0 && s.count === 0) throw new Error('train config: objective supervised with supervised.shape, .colour and .count all 0: nothing to predict');
  const heads = DENSE_TASK_NAMES.filter((t) => c.heads[t] > 0);
  if (heads.length) throw new Error(`train config: objective supervised trains no task heads; set heads.${heads.join(', heads.')} to 0`);
  if (c.loss.distill > 0) throw new Error('train config: objective supervised does not distil; set loss.distill to 0');
}

/** Checks ranges and enumerations; throws naming the key. */
export function validateConfig(c: TrainConfig): TrainConfig {
  if (!(TRAIN_OBJECTIVES as readonly string[]).includes(c.objective)) throw new Error(`train config: objective must be one of ${TRAIN_OBJECTIVES.join(', ')}, got '${c.objective}'`);
  for (const [key, allowed] of Object.entries(ENUMS)) {
    const [a, b] = key.split('.') as [keyof TrainConfig, string | undefined];
    const v = (b === undefined ? c[a] : (c[a] as unknown as Record<string, string>)[b]) as string;
    if (!allowed.includes(v)) throw new Error(`train config: ${key} must be one of ${allowed.join(', ')}, got '${v}'`);
  }
  checkInt(c.run.steps, 'run.steps', 1);
  checkInt(c.run.logEvery, 'run.logEvery', 1);
  checkInt(c.run.threads, 'run.threads', 0);
  checkInt(c.data.batch, 'data.batch', 1);
  checkInt(c.data.accum, 'data.accum', 1);
  if (c.data.batch % c.data.accum !== 0) throw new Error(`train config: data.batch (${c.data.batch}) must be divisible by data.accum (${c.data.accum})`);
  checkInt(c.data.workers, 'data.workers', 0);
  checkInt(c.data.shuffle, 'data.shuffle', 0);
  if (!(c.data.realProb >= 0 && c.data.realProb <= 1)) throw new Error(`train config: data.realProb must be in [0, 1], got ${c.data.realProb}`);
  if (!(c.data.minCropScale > 0 && c.data.minCropScale <= 1)) throw new Error(`train config: data.minCropScale must be in (0, 1], got ${c.data.minCropScale}`);
  resolveRandAugment(c.data.randAugment, 'train config: data.randAugment');
  for (const k of ['contrastive', 'distill', 'realWeight', 'syntheticWeight'] as const) {
    if (!(c.loss[k] >= 0)) throw new Error(`train config: loss.${k} must be >= 0, got ${c.loss[k]}`);
  }
  checkSupervised(c);
  if (c.objective === 'clip' && c.loss.contrastive === 0 && c.loss.distill === 0) throw new Error('train config: loss.contrastive and loss.distill are both 0: nothing aligns images and text');
  checkInt(c.loss.numTeachers, 'loss.numTeachers', 1);
  for (const k of DENSE_TASK_NAMES) if (!(c.heads[k] >= 0)) throw new Error(`train config: heads.${k} must be >= 0, got ${c.heads[k]}`);
  checkInt(c.heads.segClasses, 'heads.segClasses', 1);
  checkInt(c.heads.detClasses, 'heads.detClasses', 1);
  if (!Number.isInteger(c.heads.level)) throw new Error(`train config: heads.level must be an integer, got ${c.heads.level}`);
  if (!(c.optim.lr > 0)) throw new Error(`train config: optim.lr must be > 0, got ${c.optim.lr}`);
  checkInt(c.optim.warmup, 'optim.warmup', 0);
  if (c.optim.warmup >= c.run.steps) throw new Error(`train config: optim.warmup (${c.optim.warmup}) must be below run.steps (${c.run.steps})`);
  if (!(c.optim.minLr >= 0 && c.optim.minLr <= c.optim.lr)) throw new Error(`train config: optim.minLr must be in [0, optim.lr], got ${c.optim.minLr}`);
  if (!(c.optim.clipGrad >= 0)) throw new Error(`train config: optim.clipGrad must be >= 0, got ${c.optim.clipGrad}`);
  if (!(c.ema.decay >= 0 && c.ema.decay < 1)) throw new Error(`train config: ema.decay must be in [0, 1), got ${c.ema.decay}`);
  checkInt(c.checkpoint.every, 'checkpoint.every', 0);
  checkInt(c.checkpoint.keep, 'checkpoint.keep', 0);
  checkInt(c.guard.maxBadSteps, 'guard.maxBadSteps', 1);
  checkInt(c.eval.batch, 'eval.batch', 1);
  validateMae(c);
  return c;
}

/** The mae section's ranges, and what the MAE objective cannot combine with. */
function validateMae(c: TrainConfig): void {
  const m = c.mae;
  if (!(m.maskRatio > 0 && m.maskRatio < 1)) throw new Error(`train config: mae.maskRatio must be in (0, 1), got ${m.maskRatio}`);
  checkInt(m.decoderWidth, 'mae.decoderWidth', 1);
  checkInt(m.decoderDepth, 'mae.decoderDepth', 1);
  checkInt(m.decoderHeads, 'mae.decoderHeads', 1);
  if (m.decoderWidth % m.decoderHeads !== 0) throw new Error(`train config: mae.decoderWidth (${m.decoderWidth}) must be divisible by mae.decoderHeads (${m.decoderHeads})`);
  if (c.objective !== 'mae') return;
  const heads = DENSE_TASK_NAMES.filter((t) => c.heads[t] > 0);
  if (heads.length) throw new Error(`train config: objective mae trains no task heads; set heads.${heads.join(', heads.')} to 0`);
  if (c.loss.distill > 0) throw new Error('train config: objective mae has no text features to distil; set loss.distill to 0');
}

/**
 * Defaults, then the preset (if any), then `key.path=value` overrides, validated strictly.
 * @example resolveConfig({ preset: 'tiny-synth', sets: ['optim.lr=1e-3', 'data.captions=synthetic'] })
 */
export function resolveConfig(o: { preset?: string; base?: TrainConfig; sets?: readonly string[] } = {}): TrainConfig {
  let c = structuredClone(o.base ?? DEFAULT_CONFIG) as unknown as JsonObject;
  if (o.base) c = mergeStrict(DEFAULT_CONFIG as unknown as JsonObject, c, 'checkpoint config');
  if (o.preset) {
    const { layer, source } = readPreset(o.preset);
    c = mergeStrict(c, layer, source);
  }
  if (o.sets?.length) c = mergeStrict(c, dottedLayer(DEFAULT_CONFIG as unknown as JsonObject, o.sets), '--set');
  return validateConfig(c as unknown as TrainConfig);
}
