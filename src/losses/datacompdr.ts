// DataCompDR's full training loss: multi-caption contrastive plus distillation from the stored
// teacher embeddings, the student's logits computed once per caption set and shared by both.
import { tidy, type Tensor } from '../engine/index.js';
import { contrastiveLogits, infoNceFromLogits, labelOffset, type Gathered } from './contrastive.js';
import { distillFromLogits, type DistillOptions } from './distill.js';
import { type CaptionKind, type CaptionWeights, weightedSum } from './multi_caption.js';

/** One caption set: the student's text features and (when distilling) the teachers' embeddings of the same captions. */
export interface DrCaptions {
  text: Tensor;
  teacherText?: Tensor;
  /** Local form: every rank's student text features and teacher text embeddings (rank-major). */
  gathered?: { text: Tensor; teacherText?: Tensor };
}

export interface DrBatch {
  /** Normalised student image features [B, D]. */
  image: Tensor;
  /** exp(logit_scale). */
  logitScale: Tensor;
  /** Teacher image embeddings of this augmentation [B, T * D_t]; without them there is no distillation term. */
  teacherImage?: Tensor;
  real: DrCaptions;
  synthetic?: DrCaptions | null;
  /** Local form: every rank's student image features and teacher image embeddings, and this rank. */
  gathered?: { image: Tensor; teacherImage?: Tensor; rank: number };
}

/** A caption set's contrastive loss other than CLIP's InfoNCE (e.g. SigLIP), given its captions and the local form's gathered features. */
export type DrContrastive = (captions: DrCaptions, kind: CaptionKind, local: Gathered | undefined) => Tensor;

export interface DrOptions extends DistillOptions {
  /** [contrastive, distill]; DataCompDR uses [0, 1] for its 12M runs and [0.25, 0.75] for ViT-B/16 on 1B. */
  weights: readonly [number, number];
  /** Weights of the real and synthetic caption terms (default 1 and 1: summed). */
  captionWeights?: CaptionWeights;
}

export interface DrLosses { loss: Tensor; contrastive: Tensor; distill: Tensor }

/** One caption set's unweighted terms; distill is null without teacher embeddings. */
export interface DrTerms { contrastive: Tensor; distill: Tensor | null }

/**
 * The unweighted terms of each caption set, C(I, T) and D(I, T), from the student's logits computed
 * once per set and shared by both. C is CLIP's InfoNCE unless `contrastive` replaces it (SigLIP);
 * D is computed when the batch has teacher image embeddings (then every set needs teacher text).
 * @example
 * const t = dataCompDRTerms({ image, logitScale, teacherImage, real: { text: r, teacherText: tr } }, { numTeachers: 2 });
 * t.real.contrastive; t.real.distill; t.synthetic;  // null: no synthetic captions
 */
export function dataCompDRTerms(batch: DrBatch, o: DistillOptions = {}, contrastive?: DrContrastive): { real: DrTerms; synthetic: DrTerms | null } {
  return tidy(() => {
    const one = (cap: DrCaptions, kind: CaptionKind): DrTerms => {
      const g = batch.gathered;
      if (!g !== !cap.gathered) throw new Error('dataCompDRTerms: the local form needs gathered image and caption features');
      const local = g && cap.gathered ? { image: g.image, text: cap.gathered.text, rank: g.rank } : undefined;
      const offset = labelOffset(batch.image.size(0), local, 'dataCompDRLoss');
      // the logits only when a term reads them (SigLIP without distillation does not)
      const logits = contrastive && !batch.teacherImage ? null : contrastiveLogits(batch.image, cap.text, batch.logitScale, local);
      const c = contrastive ? contrastive(cap, kind, local) : infoNceFromLogits(logits![0], logits![1], offset);
      if (!batch.teacherImage) return { contrastive: c, distill: null };
      const [perImage, perText] = logits!;
      if (!cap.teacherText || (g && (!g.teacherImage || !cap.gathered?.teacherText))) {
        throw new Error(`dataCompDRTerms: the ${kind} captions have no teacher text embeddings${g ? ' (gathered ones too, in the local form)' : ''}`);
      }
      const gathered = g ? { image: g.teacherImage!, text: cap.gathered!.teacherText! } : undefined;
      return { contrastive: c, distill: distillFromLogits(perImage, perText, { image: batch.teacherImage, text: cap.teacherText, gathered }, o) };
    };
    return { real: one(batch.real, 'real'), synthetic: batch.synthetic ? one(batch.synthetic, 'synthetic') : null };
  });
}

/**
 * L = w_c * (C(I, T_real) + C(I, T_syn)) + w_d * (D(I, T_real) + D(I, T_syn)), where C is clipLoss and
 * D is distillLoss (teacher ensemble softmax at scale 100, averaged, cross-entropy against the
 * student's s I T^T in both directions, halved). A term with weight 0 is reported but not added.
 * @example
 * const { loss } = dataCompDRLoss({ image, logitScale, teacherImage, real: { text: r, teacherText: tr },
 *   synthetic: { text: s, teacherText: ts } }, { weights: [0.25, 0.75], numTeachers: 2 });
 */
export function dataCompDRLoss(batch: DrBatch, o: DrOptions): DrLosses {
  if (!batch.teacherImage) throw new Error('dataCompDRLoss: needs teacher image embeddings (batch.teacherImage)');
  return tidy(() => {
    const t = dataCompDRTerms(batch, o);
    const w = [o.captionWeights?.real ?? 1, o.captionWeights?.synthetic ?? 1];
    const sets = t.synthetic ? [[t.real, w[0]!], [t.synthetic, w[1]!]] as const : [[t.real, w[0]!]] as const;
    const contrastive = weightedSum(sets.map(([x, k]) => [x.contrastive, k] as const)), distill = weightedSum(sets.map(([x, k]) => [x.distill!, k] as const));
    const [wc, wd] = o.weights;
    return { loss: weightedSum([[contrastive, wc], [distill, wd]]), contrastive, distill };
  });
}
