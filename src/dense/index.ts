// Supervised dense training and evaluation on an image tower: experts, probes and finetuning.
export type { DenseTaskName } from '../tasks/names.js';
export { buildHead, checkHeadSpec, defaultHeadSpec, type HeadSpec } from './heads.js';
export { DenseModel, towerFeatures, towerFromConfig, type DenseOut } from './model.js';
export { taskLoss } from './loss.js';
export { scaledHeadSpec } from './targets.js';
export { readDenseSet, takeBatch, type DenseSet, type ReadSetOptions, type SetBatch } from './memory_set.js';
export { denseOptimizer, layerDecayScales, setDenseLr, type DenseMode, type DenseOptimizer, type DenseOptimOptions } from './optim.js';
export { batchOrder, fitOnSet, type FitOptions, type FitResult } from './fit.js';
export { evaluateOnSet, type DenseEvalResult, type EvalOnSetOptions } from './evaluate.js';
export { EXPERT_FILE, EXPERT_WEIGHTS, loadExpertModel, readExpertManifest, saveExpert, type ExpertManifest } from './expert_io.js';
