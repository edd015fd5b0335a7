// The objective of one micro-batch: contrastive loss (CLIP or SigLIP) on the batch's captions, or
// DataCompDR's real + synthetic sum in multi-caption mode, with hooks for data-parallel gathering.
import { autocast, type Tensor } from '../../engine/index.js';
import { clipLoss, combineLosses, siglipLoss, type Gathered, type LossPart } from '../../losses/index.js';
import type { CLIP } from '../../models/clip.js';
import type { TrainConfig } from './config.js';

/** Gathers this rank's features with every rank's (rank-major), for the local loss forms; the dist engine plugs this in. */
export type GatherFeatures = (image: Tensor, text: Tensor) => Gathered;

/** What a micro-batch feeds the objective. */
export interface MicroInput {
  images: Tensor;
  /** Token ids of the batch's captions (real in multi mode). */
  tokens: Tensor;
  /** Token ids of the synthetic captions (multi mode only). */
  synthetic?: Tensor;
}

/** Which autocast (if any) a run uses on a device. */
export function autocastDtype(cfg: TrainConfig, device: string): 'bfloat16' | null {
  const a = cfg.precision.autocast;
  return a === 'bf16' || (a === 'auto' && device.startsWith('cuda')) ? 'bfloat16' : null;
}

/**
 * The micro-batch's total loss (a scalar on the graph) and its parts as numbers (read in one copy):
 * `total`, `contrastive` (or `real` and `synthetic`), `logitScale`.
 */
export function microLoss(model: CLIP, cfg: TrainConfig, x: MicroInput, device: string, gather?: GatherFeatures): { total: Tensor; values: Record<string, number> } {
  const run = (): { total: Tensor; values: Record<string, number> } => {
    const image = model.encodeImage(x.images);
    const scale = model.logit_scale.exp();
    const contrastive = (text: Tensor): Tensor => {
      const g = gather?.(image, text);
      if (cfg.loss.kind === 'clip') return clipLoss(image, text, scale, g);
      if (!model.logit_bias) throw new Error('train: loss.kind=siglip needs a model config with init_logit_bias (e.g. -10)');
      return siglipLoss(image, text, scale, model.logit_bias, g ? { text: g.text, rank: g.rank } : undefined);
    };
    const parts: Record<string, LossPart> = x.synthetic
      ? { real: { loss: contrastive(model.encodeText(x.tokens)), weight: cfg.loss.realWeight },
        synthetic: { loss: contrastive(model.encodeText(x.synthetic)), weight: cfg.loss.syntheticWeight } }
      : { contrastive: { loss: contrastive(model.encodeText(x.tokens)), weight: 1 } };
    return combineLosses(parts, { extra: { logitScale: scale } });
  };
  const dtype = autocastDtype(cfg, device);
  return dtype ? autocast(device.startsWith('cuda') ? 'cuda' : 'cpu', dtype, run) : run();
}
