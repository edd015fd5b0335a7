// preprocessor_config.json: the image side of a model folder, as transformers.js's CLIPImageProcessor
// (AutoProcessor) reads it: resize the short side to the model's size with the model's filter, center
// crop a square, scale to [0, 1], normalise with the model's mean and std, channels first.
import type { PreprocessCfg } from '../../models/preprocess.js';

/** PIL's resample codes, which preprocessor_config.json uses. */
export const PIL_RESAMPLE = { bilinear: 2, bicubic: 3 } as const;

/**
 * The preprocessor_config.json object for a model's preprocess config.
 * @example
 * clipPreprocessorConfig(parsePreprocessCfg({}, 224)).size; // { shortest_edge: 224 }
 */
export function clipPreprocessorConfig(p: PreprocessCfg): Record<string, unknown> {
  if (p.resize_mode !== 'shortest') throw new Error(`preprocess_cfg.resize_mode '${String(p.resize_mode)}': only 'shortest' (resize + center crop) is exported`);
  const resample = PIL_RESAMPLE[p.interpolation];
  if (resample === undefined) throw new Error(`preprocess_cfg.interpolation '${String(p.interpolation)}': only bicubic and bilinear are exported`);
  return {
    image_processor_type: 'CLIPImageProcessor',
    processor_class: 'CLIPProcessor',
    do_convert_rgb: true,
    do_resize: true,
    size: { shortest_edge: p.size },
    resample,
    do_center_crop: true,
    crop_size: { height: p.size, width: p.size },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [...p.mean],
    image_std: [...p.std],
  };
}
