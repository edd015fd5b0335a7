// Symmetric InfoNCE over a batch of paired image and text features (CLIP's loss).
import { arange, crossEntropy, type Tensor } from '../engine/index.js';

/** mean(CE(s * I T^T, diag), CE(s * T I^T, diag)) for normalised features [B, D]. */
export function clipLoss(imageFeatures: Tensor, textFeatures: Tensor, logitScale: Tensor): Tensor {
  const logits = imageFeatures.matmul(textFeatures.transpose(0, 1)).mul(logitScale);
  const labels = arange(imageFeatures.size(0), undefined, 1, { device: imageFeatures.device });
  return crossEntropy(logits, labels).add(crossEntropy(logits.transpose(0, 1), labels)).div(2);
}
