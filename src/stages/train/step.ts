// The objective of one micro-batch: contrastive loss (CLIP or SigLIP) on the batch's captions, or
// DataCompDR's real + synthetic sum in multi-caption mode; distillation from stored teacher
// embeddings (DataCompDR); CLIPTeX's pseudo-task losses on the samples that carry labels. Hooks
// for data-parallel gathering.
import { autocast, type Tensor } from '../../engine/index.js';
import { clipLoss, combineLosses, distillLoss, siglipLoss, type Gathered, type LossPart } from '../../losses/index.js';
import type { CLIP } from '../../models/clip.js';
import type { DenseOutputs } from '../../models/heads/index.js';
import type { Batch } from '../../data/loader/index.js';
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

/**
 * The micro-batch's total loss (a scalar on the graph) and its parts as numbers (read in one copy):
 * `total`; `contrastive` (or `real` and `synthetic`); `distill` (or `distill_real`, `distill_synthetic`);
 * one per task head (`seg`, `depth`, `normals`, `det`) with `<task>_n` labelled samples; `logitScale`.
 */
export function microLoss(model: CLIP, cfg: TrainConfig, x: MicroInput, device: string, gather?: GatherFeatures): { total: Tensor; values: Record<string, number> } {
  const run = (): { total: Tensor; values: Record<string, number> } => {
    let image: Tensor, dense: DenseOutputs | null = null;
    if (model.denseHeads) ({ imageFeatures: image, dense } = model.encodeImageDense(x.images));
    else image = model.encodeImage(x.images);
    const scale = model.logit_scale.exp();
    const lw = cfg.loss;
    // One caption set's terms: contrastive (weighted lw.contrastive * its caption weight) and distillation.
    const captionSet = (name: string, tokens: Tensor, weight: number, teacher: TeacherInput | undefined, parts: Record<string, LossPart>): void => {
      const text = model.encodeText(tokens);
      const g = gather?.(image, text);
      let c: Tensor;
      if (lw.kind === 'clip') c = clipLoss(image, text, scale, g);
      else {
        if (!model.logit_bias) throw new Error('train: loss.kind=siglip needs a model config with init_logit_bias (e.g. -10)');
        c = siglipLoss(image, text, scale, model.logit_bias, g ? { text: g.text, rank: g.rank } : undefined);
      }
      parts[name] = { loss: c, weight: lw.contrastive * weight };
      if (lw.distill > 0) {
        if (!teacher) throw new Error('train: loss.distill > 0 needs teacher embeddings (npz fields) in the batch');
        const tg = g ? gather!(teacher.image, teacher.text) : undefined;
        const t = { image: teacher.image, text: teacher.text, gathered: tg ? { image: tg.image, text: tg.text } : undefined };
        const d = distillLoss(image, text, scale, t, g, { numTeachers: lw.numTeachers, teacherScale: lw.teacherScale });
        parts[name === 'contrastive' ? 'distill' : `distill_${name}`] = { loss: d, weight: lw.distill * weight };
      }
    };
    const parts: Record<string, LossPart> = {};
    if (x.synthetic) {
      captionSet('real', x.tokens, lw.realWeight, x.teacher, parts);
      captionSet('synthetic', x.synthetic, lw.syntheticWeight, x.teacherSynthetic, parts);
    } else captionSet('contrastive', x.tokens, 1, x.teacher, parts);
    let counts: Record<string, Tensor> = {};
    if (dense) {
      if (!x.labels) throw new Error('train: the model has task heads but the micro-batch carries no labels');
      const t = taskLossParts(dense, x.labels, cfg, device);
      Object.assign(parts, t.parts);
      counts = t.counts;
    }
    return combineLosses(parts, { extra: { logitScale: scale, ...counts } });
  };
  const dtype = autocastDtype(cfg, device);
  return dtype ? autocast(device.startsWith('cuda') ? 'cuda' : 'cpu', dtype, run) : run();
}
