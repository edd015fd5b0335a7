// The Expert plugin for dense experts zooclip trained itself (`zooclip train-expert`): a folder
// with expert.json + model.safetensors. Each image is resized whole to the model's square input
// (area averaging when shrinking by 2x or more, bilinear otherwise), normalised, predicted, and
// the prediction is brought back to the image's own size.
import { resolve } from 'node:path';
import { adaptiveAvgPool2d, cat, interpolate, noGrad, tensor, tidy, type Tensor } from '../engine/index.js';
import { taskDecode } from '../tasks/index.js';
import { loadExpertModel, type DenseModel, type ExpertManifest } from '../dense/index.js';
import type { Expert, ExpertOptions, ExpertOutput, DenseTaskName, RgbImage } from './types.js';

/** Images run through the model together. */
const IMAGES_PER_BATCH = 16;

/**
 * Full-size HWC uint8 images -> normalised [B, 3, size, size] float32 (each resized whole).
 * @example const x = expertInput([{ data, width: 320, height: 240 }], 64, OPENAI_MEAN, OPENAI_STD, 'cpu');
 */
export function expertInput(images: readonly RgbImage[], size: number, mean: readonly number[], std: readonly number[], device = 'cpu'): Tensor {
  return tidy(() => {
    const m = tensor([...mean], { shape: [1, 3, 1, 1], device }), s = tensor([...std], { shape: [1, 3, 1, 1], device });
    const one = images.map((im, i) => {
      if (!(im.width > 0 && im.height > 0) || im.data.length !== im.width * im.height * 3) {
        throw new Error(`expert: image ${i} has ${im.data.length} bytes, not ${im.width}x${im.height}x3 (RGB HWC)`);
      }
      const x = tensor(im.data, { shape: [im.height, im.width, 3], device }).permute([2, 0, 1]).unsqueeze(0).to('float32').div(255);
      if (im.width === size && im.height === size) return x;
      const shrink = im.width >= 2 * size && im.height >= 2 * size;
      return shrink ? adaptiveAvgPool2d(x, [size, size]) : interpolate(x, { size: [size, size], mode: 'bilinear' });
    });
    return cat(one, 0).sub(m).div(s);
  });
}

/** Predictions of a loaded dense model (the plugin's core; loadZooclipExpert wraps a folder). */
export class ZooclipExpert implements Expert {
  readonly task: DenseTaskName;
  readonly classes: readonly string[];
  constructor(readonly model: DenseModel, readonly manifest: ExpertManifest, readonly name: string, private readonly device = 'cpu') {
    this.task = manifest.task;
    this.classes = manifest.classes;
    model.eval();
  }

  /** One output per image, in input order, at each image's own size. */
  predict(images: RgbImage[], o: ExpertOptions = {}): Promise<ExpertOutput[]> {
    const out: ExpertOutput[] = [];
    try {
      for (let i = 0; i < images.length; i += IMAGES_PER_BATCH) out.push(...this.predictBatch(images.slice(i, i + IMAGES_PER_BATCH), o.threshold ?? this.manifest.threshold));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return Promise.resolve(out);
  }

  private predictBatch(images: RgbImage[], threshold: number): ExpertOutput[] {
    const m = this.manifest;
    return tidy(() => noGrad(() => {
      const out = this.model.forward(expertInput(images, m.inputSize, m.mean, m.std, this.device));
      return taskDecode(m.task, out, images, { inputSize: m.inputSize, threshold, depthScale: m.depthScale, classes: this.classes });
    }));
  }

  dispose(): void {
    this.model.dispose();
  }
}

/**
 * An Expert over a folder written by `zooclip train-expert` (or saveExpert).
 * @example
 * const seg = loadZooclipExpert('runs/expert-seg/expert');
 * const [{ seg: labels }] = await seg.predict([image], { threshold: 0.5 });   // 255 where unsure
 * seg.dispose();
 */
export function loadZooclipExpert(dir: string, device = 'cpu'): Expert {
  const { model, manifest } = loadExpertModel(dir, device);
  return new ZooclipExpert(model, manifest, `zooclip:${resolve(dir)}`, device);
}
