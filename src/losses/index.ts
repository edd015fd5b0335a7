// Training losses: contrastive (CLIP, SigLIP, local forms), DataCompDR multi-caption and
// distillation, CLIPTeX pseudo-task losses, MAE's masked reconstruction, multi-label BCE
// (supervised pretraining), and their weighted combination.
export { clipLoss, clampLogitScale, contrastiveLogits, infoNceFromLogits, labelOffset, MAX_LOGIT_SCALE, type Gathered } from './contrastive.js';
export { siglipLoss, type GatheredText } from './siglip.js';
export { multiCaptionLoss, weightedSum, type CaptionKind, type CaptionLosses, type CaptionWeights } from './multi_caption.js';
export { distillLoss, distillFromLogits, teacherProbs, softCrossEntropy, TEACHER_LOGIT_SCALE, type DistillOptions, type TeacherEmbeddings } from './distill.js';
export { dataCompDRLoss, dataCompDRTerms, type DrBatch, type DrCaptions, type DrContrastive, type DrLosses, type DrOptions, type DrTerms } from './datacompdr.js';
export { segmentationLoss, type SegLossOptions } from './segmentation.js';
export { depthSILogLoss, type DepthLossOptions } from './depth.js';
export { normalsCosineLoss } from './normals.js';
export { centerNetLoss, type CenterNetLoss, type CenterNetLossOptions, type CenterNetPrediction } from './centernet.js';
export { maeLoss, patchify, type MaeLossOptions } from './mae.js';
export { multiLabelLoss, type LabelGroup } from './multi_label.js';
export { combineLosses, type Combined, type CombineOptions, type LossPart } from './combine.js';
export { type TaskLoss } from './masked.js';
