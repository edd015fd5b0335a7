// The model of an expert run: the tower's architecture (a config, or a CLIP checkpoint's, whose
// image-tower weights then start the expert) and the task head.
import { noGrad } from '../../engine/index.js';
import { getModelConfig, type ClipCfg } from '../../models/config.js';
import { loadModelForEval } from '../../eval/load_model.js';
import { defaultHeadSpec, DenseModel, towerFromConfig, type HeadSpec } from '../../dense/index.js';
import { labelClasses, type DenseTaskName } from '../../tasks/index.js';
import type { ExpertTrainConfig } from './config.js';

/** A fresh expert model on the CPU, and where its architecture came from. */
export interface ExpertModel { model: DenseModel; cfg: ClipCfg; modelName: string; initFrom: string | null }

/**
 * The head spec of a run (classes: those its data folder records).
 * @example expertHeadSpec(resolveExpertConfig({ task: 'seg', data: 'data/synth' })).numClasses  // 7
 */
export function expertHeadSpec(c: ExpertTrainConfig): HeadSpec {
  return { ...defaultHeadSpec(c.task as DenseTaskName, labelClasses(c.data).length), segHead: c.segHead as 'linear' | 'psp', level: c.level, channels: c.channels };
}

/**
 * Builds the run's model: random init from `c.model`, or the image tower of `c.init` (weights and
 * architecture; dense heads and the text tower of the checkpoint are left out).
 * @example const { model } = buildExpertModel(resolveExpertConfig({ task: 'seg', init: 'runs/clip' }));
 */
export function buildExpertModel(c: ExpertTrainConfig): ExpertModel {
  if (!c.init) {
    const cfg = getModelConfig(c.model);
    return { model: new DenseModel(towerFromConfig(cfg), expertHeadSpec(c)), cfg, modelName: c.model, initFrom: null };
  }
  const loaded = loadModelForEval(c.init, { device: 'cpu', reparameterize: false }); // its keys go into a tower that trains
  try {
    const cfg = loaded.model.cfg;
    const model = new DenseModel(towerFromConfig(cfg), expertHeadSpec(c));
    noGrad(() => model.visual.loadStateDict(loaded.model.visual.stateDict(), { strict: true }));
    return { model, cfg, modelName: `${loaded.modelName} (image tower of ${loaded.path}, ${loaded.weights} weights)`, initFrom: loaded.path };
  } finally {
    loaded.model.dispose();
  }
}
