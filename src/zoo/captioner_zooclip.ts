// The Captioner plugin for captioners zooclip trained itself (`zooclip train-captioner`): a folder
// with captioner.json + model.safetensors. Images are center-cropped to a square, resized
// bilinearly to the model's input and normalised with OpenAI's mean/std, as the Loader's eval
// transform does (there with bicubic resampling).
import { resolve } from 'node:path';
import { cat, interpolate, tensor, tidy, type Tensor } from '../engine/index.js';
import { OPENAI_MEAN, OPENAI_STD } from '../data/loader/augment.js';
import { decode } from '../tokenizer/index.js';
import { generateCaptions, loadCaptioner, type CoCaCaptioner } from '../models/captioner/index.js';
import type { CaptionOptions, Captioner, RgbImage } from './types.js';

/** Images encoded and decoded together (bounds memory: rows = images x captions or beams). */
const IMAGES_PER_BATCH = 32;

/**
 * Full-size HWC uint8 images -> normalised [B, 3, size, size] float32 on `device`: the centered
 * square crop of each, resized bilinearly.
 * @example const x = preprocessImages([{ data, width: 64, height: 48 }], 64, 'cpu');
 */
export function preprocessImages(images: readonly RgbImage[], size: number, device = 'cpu'): Tensor {
  return tidy(() => {
    const mean = tensor([...OPENAI_MEAN], { shape: [1, 3, 1, 1], device }), std = tensor([...OPENAI_STD], { shape: [1, 3, 1, 1], device });
    const one = images.map((im, i) => {
      if (im.data.length !== im.width * im.height * 3) {
        throw new Error(`captioner: image ${i} has ${im.data.length} bytes, not ${im.width}x${im.height}x3 (RGB HWC)`);
      }
      const side = Math.min(im.width, im.height);
      const x0 = Math.floor((im.width - side) / 2), y0 = Math.floor((im.height - side) / 2);
      let x = tensor(im.data, { shape: [im.height, im.width, 3], device }).narrow(0, y0, side).narrow(1, x0, side);
      x = x.permute([2, 0, 1]).unsqueeze(0).to('float32').div(255);
      return side === size ? x : interpolate(x, { size: [size, size], mode: 'bilinear' });
    });
    return cat(one, 0).sub(mean).div(std);
  });
}

/** Captions from a loaded model (the plugin's core; loadZooclipCaptioner wraps a folder). */
export class ZooclipCaptioner implements Captioner {
  constructor(readonly model: CoCaCaptioner, readonly name: string, private readonly device = 'cpu') {
    model.eval();
  }

  /** `o.n` captions per image, in input order; batches of 32 images, sampling seeded per (seed, key, caption). */
  caption(images: RgbImage[], keys: string[], o: CaptionOptions): Promise<string[][]> {
    if (keys.length !== images.length) return Promise.reject(new Error(`captioner ${this.name}: ${keys.length} keys for ${images.length} images`));
    const out: string[][] = [];
    try {
      for (let i = 0; i < images.length; i += IMAGES_PER_BATCH) {
        const x = preprocessImages(images.slice(i, i + IMAGES_PER_BATCH), this.model.imageSize, this.device);
        try {
          const ids = generateCaptions(this.model, x, { ...o, keys: keys.slice(i, i + IMAGES_PER_BATCH) });
          for (const caps of ids) out.push(caps.map((c) => decode(c).trim()));
        } finally {
          x.dispose();
        }
      }
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return Promise.resolve(out);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/**
 * A Captioner over a captioner folder written by `zooclip train-captioner` (or saveCaptioner).
 * @example
 * const cap = loadZooclipCaptioner('runs/captioner/captioner');
 * const [[a, b]] = await cap.caption([img], ['zoo-0000001'], { ...DEFAULT_CAPTION_OPTIONS, n: 2 });
 * cap.dispose();
 */
export function loadZooclipCaptioner(dir: string, device = 'cpu'): Captioner {
  return new ZooclipCaptioner(loadCaptioner(dir, device), `zooclip:${resolve(dir)}`, device);
}
