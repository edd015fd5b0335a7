// DataCompDR's full training loss: multi-caption contrastive plus distillation from the stored
// teacher embeddings, the student's logits computed once per caption set and shared by both.
import { tidy, type Tensor } from '../engine/index.js';
import { contrastiveLogits, infoNceFromLogits, labelOffset } from './contrastive.js';
import { distillFromLogits, type DistillOptions } from './distill.js';
import { type CaptionWeights, weightedSum } from './multi_caption.js';

/** One caption set: the student's text features and the teachers' embeddings of the same captions. */
export interface DrCaptions {
  text: Tensor;
  teacherText: Tensor;
  /** Local form: every rank's student text features and teacher text embeddings (rank-major). */
  gathered?: { text: Tensor; teacherText: Tensor };
}

export interface DrBatch {
  /** Normalised student image features [B, D]. */
  image: Tensor;
  /** exp(logit_scale). */
  logitScale: Tensor;
  /** Teacher image embeddings of this augmentation [B, T * D_t]. */
  teacherImage: Tensor;
  real: DrCaptions;
  synthetic?: DrCaptions | null;
  /** Local form: every rank's student image features and teacher image embeddings, and this rank. */
  gathered?: { image: Tensor; teacherImage: Tensor; rank: number };
}

export interface DrOptions extends DistillOptions {
  /** [contrastive, distill]; DataCompDR uses [0, 1] for its 12M runs and [0.25, 0.75] for ViT-B/16 on 1B. */
  weights: readonly [number, number];
  /** Weights of the real and synthetic caption terms (default 1 and 1: summed). */
  captionWeights?: CaptionWeights;
}

export interface DrLosses { loss: Tensor; contrastive: Tensor; distill: Tensor }

/**
 * L = w_c * (C(I, T_real) + C(I, T_syn)) + w_d * (D(I, T_real) + D(I, T_syn)), where C is clipLoss and
 * D is distillLoss (teacher ensemble softmax at scale 100, averaged, cross-entropy against the
 * student's s I T^T in both directions, halved). A term with weight 0 is reported but not added.
 * @example
 * const { loss } = dataCompDRLoss({ image, logitScale, teacherImage, real: { text: r, teacherText: tr },
 *   synthetic: { text: s, teacherText: ts } }, { weights: [0.25, 0.75], numTeachers: 2 });
 */
export function dataCompDRLoss(batch: DrBatch, o: DrOptions): DrLosses {
  return tidy(() => {
    const sets: [DrCaptions, number][] = [[batch.real, o.captionWeights?.real ?? 1]];
    if (batch.synthetic) sets.push([batch.synthetic, o.captionWeights?.synthetic ?? 1]);
    const c: [Tensor, number][] = [], d: [Tensor, number][] = [];
    for (const [cap, w] of sets) {
      const g = batch.gathered;
      if (!g !== !cap.gathered) throw new Error('dataCompDRLoss: the local form needs gathered image and caption features');
      const local = g && cap.gathered ? { image: g.image, text: cap.gathered.text, rank: g.rank } : undefined;
      const offset = labelOffset(batch.image.size(0), local, 'dataCompDRLoss');
      const [perImage, perText] = contrastiveLogits(batch.image, cap.text, batch.logitScale, local);
      c.push([infoNceFromLogits(perImage, perText, offset), w]);
      const gathered = g && cap.gathered ? { image: g.teacherImage, text: cap.gathered.teacherText } : undefined;
      d.push([distillFromLogits(perImage, perText, { image: batch.teacherImage, text: cap.teacherText, gathered }, o), w]);
    }
    const contrastive = weightedSum(c), distill = weightedSum(d);
    const [wc, wd] = o.weights;
    return { loss: weightedSum([[contrastive, wc], [distill, wd]]), contrastive, distill };
  });
}
