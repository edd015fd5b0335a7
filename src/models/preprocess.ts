// How a model wants its images: size, normalisation and resize rule. It travels with the model
// config (ClipCfg.preprocess_cfg) and is written to open_clip_config.json's preprocess_cfg, the
// way open_clip's pretrained configs carry it, so the loader, evaluation and export agree.

import { OPENAI_MEAN, OPENAI_STD } from '../data/loader/augment.js';
import type { ImageTransform } from '../data/loader/preprocess.js';

export { OPENAI_MEAN, OPENAI_STD };

/** open_clip's preprocess_cfg, as far as zooclip implements it. */
export interface PreprocessCfg extends ImageTransform {
  mean: [number, number, number];
  std: [number, number, number];
  /** 'shortest': resize the short side to `size`, then center-crop a square (open_clip's default). */
  resize_mode: 'shortest';
}

const KEYS = ['size', 'mean', 'std', 'interpolation', 'resize_mode', 'fill_color'];

function triple(v: unknown, where: string): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`${where}: expected 3 finite numbers (R, G, B), got ${JSON.stringify(v)}`);
  }
  return [v[0], v[1], v[2]];
}

/**
 * A validated preprocess config for a tower of `imageSize` pixels: `raw` (open_clip's
 * preprocess_cfg object, possibly partial) over OpenAI's defaults.
 * @example parsePreprocessCfg({ mean: [0, 0, 0], std: [1, 1, 1] }, 256) // MobileCLIP's normalisation at 256 px
 */
export function parsePreprocessCfg(raw: unknown, imageSize: number, where = 'preprocess_cfg'): PreprocessCfg {
  const r = (raw ?? {}) as Record<string, unknown>;
  if (typeof r !== 'object' || Array.isArray(r)) throw new Error(`${where}: expected a JSON object`);
  for (const k of Object.keys(r)) if (!KEYS.includes(k)) throw new Error(`${where}: unknown key '${k}' (known: ${KEYS.join(', ')})`);
  const size = r.size === undefined ? imageSize : Array.isArray(r.size) && r.size.length === 2 && r.size[0] === r.size[1] ? r.size[0] : r.size;
  if (size !== imageSize) throw new Error(`${where}.size ${JSON.stringify(r.size)} differs from the tower's image_size ${imageSize}`);
  const interpolation = r.interpolation ?? 'bicubic';
  if (interpolation !== 'bicubic' && interpolation !== 'bilinear') throw new Error(`${where}.interpolation '${String(interpolation)}': zooclip implements bicubic and bilinear`);
  const mode = r.resize_mode ?? 'shortest';
  if (mode !== 'shortest') throw new Error(`${where}.resize_mode '${String(mode)}': zooclip implements 'shortest' (resize + center crop)`);
  return {
    size: imageSize, mean: r.mean === undefined ? [...OPENAI_MEAN] : triple(r.mean, `${where}.mean`),
    std: r.std === undefined ? [...OPENAI_STD] : triple(r.std, `${where}.std`), interpolation, resize_mode: 'shortest',
  };
}

/**
 * True when `p` is the default a config of this size gets (so exports may leave it out).
 * @example isDefaultPreprocess(parsePreprocessCfg({}, 224)) // true
 */
export function isDefaultPreprocess(p: PreprocessCfg): boolean {
  return JSON.stringify(p) === JSON.stringify(parsePreprocessCfg({}, p.size));
}
