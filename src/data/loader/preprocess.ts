// The eval transform for images a user hands over (encoded JPEG/PNG/WebP bytes): resize the short
// side to the model's size, center-crop, normalise with the model's mean/std, as open_clip's
// preprocess does. The loader's eval path makes the same pixels (same crop box, same filter).
import { native } from '../../engine/native.js';
import { wrap, type Tensor } from '../../engine/index.js';
import { centerCropBox } from './augment.js';
import { decodeCropResize, imageInfo, type Bytes } from './decode.js';

/** The eval transform: a model's preprocess_cfg (models/preprocess.ts) is one. */
export interface ImageTransform {
  /** Output side in pixels (the vision tower's image_size). */
  size: number;
  /** Per-channel RGB normalisation on [0, 1] pixels. */
  mean: readonly number[];
  std: readonly number[];
  /** Resampling filter of the resize. */
  interpolation: 'bicubic' | 'bilinear';
}

/** How a model normalises and resizes its images, without the size (the loaders take that apart). */
export type ImageNorm = Omit<ImageTransform, 'size'>;

/**
 * The Loader options that make its eval batches with `norm` (mean, std, eval filter); none for the
 * loader's defaults (OpenAI's normalisation, bicubic).
 * @example new Loader({ source, batchSize: 64, imageSize: 224, train: false, ...loaderNorm(model.cfg.preprocess_cfg) })
 */
export function loaderNorm(norm: ImageNorm | undefined): { mean?: readonly number[]; std?: readonly number[]; augment?: { evalInterpolation: 'bicubic' | 'bilinear' } } {
  return norm ? { mean: norm.mean, std: norm.std, augment: { evalInterpolation: norm.interpolation } } : {};
}

/** Options of preprocessImages. */
export interface PreprocessOptions {
  /** Pixel budget per image (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  /** Device of the result (default cpu). */
  device?: string;
}

/**
 * A normalised [N, 3, size, size] float batch from encoded images, per the model's preprocess
 * config. A bad image is an Error naming its index in `images`.
 * @example
 * import { loadModel, preprocessImages } from 'zooclip';
 * const { model } = loadModel('runs/train');
 * const x = preprocessImages([readFileSync('cat.jpg')], model.cfg.preprocess_cfg); // [1, 3, S, S]
 */
export function preprocessImages(images: readonly Bytes[], cfg: ImageTransform, o: PreprocessOptions = {}): Tensor {
  if (!images.length) throw new Error('preprocessImages: no images given');
  const s = cfg.size;
  const pixels = images.map((buf, i) => {
    try {
      const info = imageInfo(buf);
      return decodeCropResize(buf, centerCropBox(info.width, info.height), s, s, false, { filter: cfg.interpolation, maxPixels: o.maxPixels }).data;
    } catch (e) {
      throw new Error(`preprocessImages: image ${i}: ${(e as Error).message}`);
    }
  });
  const x = wrap(native.imagesToTensor(pixels, s, s, cfg.mean, cfg.std));
  if (!o.device || o.device === 'cpu') return x;
  try {
    return x.to(o.device);
  } finally {
    x.dispose();
  }
}
