// The objective of one micro-batch, on the losses of src/losses: contrastive loss (CLIP or SigLIP) on
// the batch's captions, or DataCompDR's real + synthetic sum in multi-caption mode; distillation from
// stored teacher embeddings (DataCompDR); CLIPTeX's pseudo-task losses (the task table's) on the
// samples that carry labels. Hooks for data-parallel gathering.
import { autocast, type Tensor } from '../../engine/index.js';
import { combineLosses, dataCompDRTerms, siglipLoss, type Combined, type DrBatch, type DrCaptions, type DrContrastive, type DrTerms, type Gathered, type LossPart } from '../../losses/index.js';
import type { CLIP } from '../../models/clip.js';
import type { DenseOutputs } from '../../models/heads/index.js';
import type { Batch } from '../../data/loader/index.js';
import type { BatchLabels } from '../../tasks/index.js';
import type { TrainConfig } from './config.js';
import { taskLossParts } from './task_heads.js';

/** Gathers this rank's features with every rank's (rank-major), for the local loss forms; the dist engine plugs this in. */
export type GatherFeatures = (image: Tensor, text: Tensor) => Gathered;

/** Teacher embeddings of one caption set (DataCompDR npz rows). */
export interface TeacherInput { image: Tensor; text: Tensor }

/** What a micro-batch feeds the objective. */
export interface MicroInput {
  images: Tensor;
  /** Token ids of the batch's captions (real in multi mode). */
  tokens: Tensor;
  /** Token ids of the synthetic captions (multi mode only). */
  synthetic?: Tensor;
  /** Teacher embeddings for `tokens` (and for `synthetic`), when distilling. */
  teacher?: TeacherInput;
  teacherSynthetic?: TeacherInput;
  /** The batch, for the pseudo-task labels (when the model has task heads). */
  labels?: Batch;
}

/** Which autocast (if any) a run uses on a device. */
export function autocastDtype(cfg: TrainConfig, device: string): 'bfloat16' | null {
  const a = cfg.precision.autocast;
  return a === 'bf16' || (a === 'auto' && device.startsWith('cuda')) ? 'bfloat16' : null;
}

/** What the objective reads of a micro-batch once the model has run: features, heads' outputs, labels. */
export interface ObjectiveInput {
  /** Normalised image features [B, D]. */
  image: Tensor;
  /** exp(logit_scale), and SigLIP's logit bias. */
  logitScale: Tensor;
  logitBias?: Tensor | null;
  /** Normalised text features of the batch's captions (real ones in multi mode) and of the synthetic captions. */
  text: Tensor;
  syntheticText?: Tensor;
  teacher?: TeacherInput;
  teacherSynthetic?: TeacherInput;
  /** The task heads' outputs and the labels they are scored against. */
  dense?: DenseOutputs | null;
  labels?: BatchLabels;
}

/** DataCompDR's caption sets of a micro-batch (gathered across ranks when `gather` is given), teachers only when distilling. */
function drBatch(cfg: TrainConfig, x: ObjectiveInput, gather?: GatherFeatures): DrBatch {
  const distill = cfg.loss.distill > 0;
  if (distill && (!x.teacher || (x.syntheticText && !x.teacherSynthetic))) throw new Error('train: loss.distill > 0 needs teacher embeddings (npz fields) in the batch');
  const set = (text: Tensor, t: TeacherInput | undefined): { captions: DrCaptions; g?: Gathered; tg?: Gathered } => {
    const g = gather?.(x.image, text), tg = g && distill ? gather!(t!.image, t!.text) : undefined;
    return { g, tg, captions: { text, teacherText: distill ? t!.text : undefined, gathered: g ? { text: g.text, teacherText: tg?.text } : undefined } };
  };
  const real = set(x.text, x.teacher), syn = x.syntheticText ? set(x.syntheticText, x.teacherSynthetic) : null;
  // the hook gathers image and text together, so the image is gathered with each set; the real set's copy serves both
  return {
    image: x.image, logitScale: x.logitScale, teacherImage: distill ? x.teacher!.image : undefined, real: real.captions, synthetic: syn?.captions ?? null,
    gathered: real.g ? { image: real.g.image, teacherImage: real.tg?.image, rank: real.g.rank } : undefined,
  };
}

/** SigLIP as DataCompDR's contrastive term, or undefined for CLIP's InfoNCE. */
function contrastiveOf(cfg: TrainConfig, x: ObjectiveInput): DrContrastive | undefined {
  if (cfg.loss.kind === 'clip') return undefined;
  const bias = x.logitBias;
  if (!bias) throw new Error('train: loss.kind=siglip needs a model config with init_logit_bias (e.g. -10)');
  return (c, _kind, local) => siglipLoss(x.image, c.text, x.logitScale, bias, local ? { text: local.text, rank: local.rank } : undefined);
}

/**
 * The training objective on a micro-batch's features: DataCompDR's contrastive and distillation
 * terms per caption set (src/losses/datacompdr.ts), weighted by loss.contrastive / loss.distill and
 * the caption set's weight, plus each task head's loss weighted by heads.<task>, summed and read back
 * by combineLosses. Parts: `contrastive` and `distill`, or `real`, `synthetic`, `distill_real`,
 * `distill_synthetic` in multi mode; `seg`, `depth`, `normals`, `det` with `<task>_n`; `logitScale`.
 * @example const { total, values } = trainObjective(cfg, { image, logitScale, text }, 'cpu');  // values.contrastive
 */
export function trainObjective(cfg: TrainConfig, x: ObjectiveInput, device: string, gather?: GatherFeatures): Combined {
  const lw = cfg.loss, terms = dataCompDRTerms(drBatch(cfg, x, gather), { numTeachers: lw.numTeachers, teacherScale: lw.teacherScale }, contrastiveOf(cfg, x));
  const parts: Record<string, LossPart> = {};
  const add = (name: string, t: DrTerms, weight: number): void => {
    parts[name] = { loss: t.contrastive, weight: lw.contrastive * weight };
    if (t.distill) parts[name === 'contrastive' ? 'distill' : `distill_${name}`] = { loss: t.distill, weight: lw.distill * weight };
  };
  if (terms.synthetic) {
    add('real', terms.real, lw.realWeight);
    add('synthetic', terms.synthetic, lw.syntheticWeight);
  } else add('contrastive', terms.real, 1);
  let counts: Record<string, Tensor> = {};
  if (x.dense) {
    if (!x.labels) throw new Error('train: the model has task heads but the micro-batch carries no labels');
    const t = taskLossParts(x.dense, x.labels, cfg, device);
    Object.assign(parts, t.parts);
    counts = t.counts;
  }
  return combineLosses(parts, { extra: { logitScale: x.logitScale, ...counts } });
}

/**
 * The micro-batch's total loss (a scalar on the graph) and its parts as numbers (read in one copy):
 * the model's features and head outputs scored by {@link trainObjective}, under the run's autocast.
 * @example const { total, values } = microLoss(model, cfg, { images, tokens }, 'cpu');  total.backward();
 */
export function microLoss(model: CLIP, cfg: TrainConfig, x: MicroInput, device: string, gather?: GatherFeatures): Combined {
  const run = (): Combined => {
    let image: Tensor, dense: DenseOutputs | null = null;
    if (model.denseHeads) ({ imageFeatures: image, dense } = model.encodeImageDense(x.images));
    else image = model.encodeImage(x.images);
    const text = model.encodeText(x.tokens), syntheticText = x.synthetic ? model.encodeText(x.synthetic) : undefined;
    return trainObjective(cfg, { image, logitScale: model.logit_scale.exp(), logitBias: model.logit_bias, text, syntheticText,
      teacher: x.teacher, teacherSynthetic: x.teacherSynthetic, dense, labels: x.labels }, device, gather);
  };
  const dtype = autocastDtype(cfg, device);
  return dtype ? autocast(device.startsWith('cuda') ? 'cuda' : 'cpu', dtype, run) : run();
}
