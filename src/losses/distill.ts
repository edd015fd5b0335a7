// DataCompDR's distillation from stored teacher embeddings: the student's image-text similarity
// distribution is trained towards the teacher ensemble's, in both directions.
import { noGrad, normalize, tidy, type Tensor } from '../engine/index.js';
import { contrastiveLogits, type Gathered } from './contrastive.js';

/** DataCompDR's fixed teacher logit scale. */
export const TEACHER_LOGIT_SCALE = 100;

/**
 * The teacher ensemble's target distribution for rows against columns. Embeddings are [N, T * D]
 * (T teachers side by side, e.g. DataCompDR's 1536 = 2 x 768); for teacher k,
 * P_k = softmax_row(scale * n(R_k) n(C_k)^T) with n the L2 normalisation of chunk k, and
 * P = (1/T) sum_k P_k (average after the softmax). No gradient flows into the teacher.
 * @example const p = teacherProbs(tImage, tText, 2);   // [B, B], rows sum to 1
 */
export function teacherProbs(rows: Tensor, cols: Tensor, numTeachers: number, scale = TEACHER_LOGIT_SCALE): Tensor {
  const width = rows.size(-1);
  if (!Number.isInteger(numTeachers) || numTeachers < 1 || width % numTeachers !== 0 || cols.size(-1) !== width) {
    throw new Error(`teacherProbs: embeddings of width ${width} and ${cols.size(-1)} do not split into ${numTeachers} teachers`);
  }
  return noGrad(() => tidy(() => {
    const d = width / numTeachers;
    let sum: Tensor | null = null;
    for (let k = 0; k < numTeachers; k++) {
      const r = normalize(rows.narrow(1, k * d, d).to('float32'), 2, 1);
      const c = normalize(cols.narrow(1, k * d, d).to('float32'), 2, 1);
      const p = r.matmul(c.transpose(0, 1)).mul(scale).softmax(1);
      sum = sum ? sum.add(p) : p;
    }
    return sum!.div(numTeachers);
  }));
}

/** Soft-target cross-entropy -(1/N) sum_i sum_j P_ij log softmax(S)_ij over rows. */
export function softCrossEntropy(target: Tensor, logits: Tensor): Tensor {
  return tidy(() => target.mul(logits.logSoftmax(1)).sum(1).mean().neg());
}

/** Teacher embeddings of the batch, and (local form) of every rank, rank-major. */
export interface TeacherEmbeddings {
  image: Tensor;
  text: Tensor;
  /** Gathered teacher embeddings for the local form. */
  gathered?: { image: Tensor; text: Tensor };
}

export interface DistillOptions {
  /** Teachers side by side in the embeddings. Default 1; DataCompDR stores 2. */
  numTeachers?: number;
  /** Teacher logit scale. Default 100. */
  teacherScale?: number;
}

/**
 * Distillation from the student's logits (see contrastiveLogits): (CE(P_i2t, S_i2t) + CE(P_t2i, S_t2i)) / 2
 * with P_i2t = teacherProbs(teacher image rows, teacher text columns), P_t2i the other way round
 * (its own per-teacher softmax, not the transpose of P_i2t).
 */
export function distillFromLogits(perImage: Tensor, perText: Tensor, teacher: TeacherEmbeddings, o: DistillOptions = {}): Tensor {
  return tidy(() => {
    const nt = o.numTeachers ?? 1, scale = o.teacherScale ?? TEACHER_LOGIT_SCALE;
    const colsText = teacher.gathered?.text ?? teacher.text, colsImage = teacher.gathered?.image ?? teacher.image;
    const pI2T = teacherProbs(teacher.image, colsText, nt, scale);
    const pT2I = teacherProbs(teacher.text, colsImage, nt, scale);
    if (pI2T.shape.join() !== perImage.shape.join()) {
      throw new Error(`distillLoss: teacher similarities [${pI2T.shape}] do not match student logits [${perImage.shape}]`);
    }
    return softCrossEntropy(pI2T.to(perImage.dtype), perImage).add(softCrossEntropy(pT2I.to(perText.dtype), perText)).div(2);
  });
}

/**
 * DataCompDR's distillation loss for normalised student features [B, D] and s = exp(logit_scale):
 * L = (CE(P_T(image->text), s I T^T) + CE(P_T(text->image), s T I^T)) / 2, where P_T is the
 * teacher ensemble's distribution (teacherProbs) and CE(P, S) = -(1/B) sum_ij P_ij log softmax_j(S_i).
 * Local form: `local` has the student's gathered features and teacher.gathered the teachers'.
 * @example const d = distillLoss(img, txt, scale, { image: batch.imageEmb, text: batch.textEmb }, undefined, { numTeachers: 2 });
 */
export function distillLoss(imageFeatures: Tensor, textFeatures: Tensor, logitScale: Tensor, teacher: TeacherEmbeddings,
  local?: Gathered, o: DistillOptions = {}): Tensor {
  if (!local !== !teacher.gathered) throw new Error('distillLoss: the local form needs both the student\'s and the teachers\' gathered features');
  return tidy(() => {
    const [perImage, perText] = contrastiveLogits(imageFeatures, textFeatures, logitScale, local);
    return distillFromLogits(perImage, perText, teacher, o);
  });
}
