// The MAE objective of `zooclip train` (objective mae): the image tower pretrained by masked patch
// reconstruction through a light decoder attached under `mae_decoder.`; the text tower and the
// logit scale are left untouched and out of the optimizer.
import { autocast, type Tensor } from '../../engine/index.js';
import { combineLosses, maeLoss, patchify, type Combined } from '../../losses/index.js';
import type { CLIP } from '../../models/clip.js';
import { maeDecoderFor, maeReconstruct, maskingNoise, randomMasking } from '../../models/mae.js';
import { VisionTransformer } from '../../models/vit.js';
import type { TrainConfig } from './config.js';
import { autocastDtype } from './step.js';

/** The model's image tower as a ViT, or an error saying MAE needs one. */
function vitOf(model: CLIP): VisionTransformer {
  if (!(model.visual instanceof VisionTransformer)) throw new Error(`train: objective mae needs a ViT image tower; ${model.visual.constructor.name} has no patch tokens to mask`);
  return model.visual;
}

/**
 * Attaches MAE's decoder (sized by cfg.mae) to the model's ViT tower, under `mae_decoder.`, so it
 * trains, checkpoints and resumes with the model and is dropped on export. Call before the optimizer.
 * @example if (cfg.objective === 'mae') attachMaeDecoderFor(model, cfg);
 */
export function attachMaeDecoderFor(model: CLIP, cfg: TrainConfig): void {
  const m = cfg.mae;
  model.attachMaeDecoder(maeDecoderFor(vitOf(model), { width: m.decoderWidth, depth: m.decoderDepth, heads: m.decoderHeads }));
}

/**
 * Whether the MAE objective trains a parameter: the image tower and the decoder (not the text
 * tower, nor the logit scale).
 * @example const trained = [...model.namedParameters()].filter(([name]) => maeTrains(name));
 */
export function maeTrains(name: string): boolean {
  return name.startsWith('visual.') || name.startsWith('mae_decoder.');
}

/**
 * One micro-batch's MAE loss (`mae`, also `total`) under the run's autocast: masks drawn from
 * `seed` (e.g. [run seed, rank, step, micro]), the encoder on the visible patches, the decoder's
 * prediction scored on the masked ones.
 * @example const { total, values } = maeMicroLoss(model, cfg, images, [cfg.run.seed, 0, step, micro], 'cpu');  // values.mae
 */
export function maeMicroLoss(model: CLIP, cfg: TrainConfig, images: Tensor, seed: readonly number[], device: string): Combined {
  const vit = vitOf(model), decoder = model.maeDecoder;
  if (!decoder) throw new Error('train: objective mae but the model has no MAE decoder (attachMaeDecoderFor)');
  const masking = randomMasking(maskingNoise(images.size(0), vit.grid * vit.grid, seed).to(images.device), cfg.mae.maskRatio);
  const run = (): Combined => {
    const pred = maeReconstruct(vit, decoder, images, masking);
    const loss = maeLoss(pred.to('float32'), patchify(images, vit.cfg.patch_size), masking.mask, { normPixLoss: cfg.mae.normPixLoss });
    return combineLosses({ mae: { loss, weight: 1 } });
  };
  const dtype = autocastDtype(cfg, device);
  return dtype ? autocast(device.startsWith('cuda') ? 'cuda' : 'cpu', dtype, run) : run();
}
