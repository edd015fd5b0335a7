// The real pretrained COCO detector shipped in the npm package @vladmandic/human: CenterNet on a
// MobileNetV3 (a tfjs graph model), loaded offline from the installed package and run on tfjs's wasm
// backend. Facts from human's own use of it: the whole image is resized (bilinear) to the model's
// 512x512 input with values 0-255; output 'tower_0/detections' is [1, 100, 6] rows x0, y0, x1, y1
// (input pixels), score, class (0-based COCO-80), which overlap across classes, so NMS follows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Detections, Expert, ExpertOptions, ExpertOutput, RgbImage } from './types.js';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { loadGraphModelFromFiles, packageDir, tf, useWasmBackend } from './human/tfjs_wasm.js';
import { COCO_CLASSES } from './human/coco.js';
import { nms } from './human/nms.js';
import { decodeBoxes, type BoxLayout } from './onnx/decode.js';

const PACKAGE = '@vladmandic/human';
const OUTPUT = 'tower_0/detections';

/** Settings of the human detector. */
export interface HumanDetectorOptions {
  /** Lowest box score kept when predict() is given no threshold (default 0.5). */
  minScore?: number;
  /** Boxes overlapping a better one by more than this IoU are dropped, whatever their class (default 0.5). */
  iou?: number;
  /** Most boxes per image (default 20). */
  maxDetections?: number;
}

class HumanDetector implements Expert {
  readonly task = 'det' as const;
  readonly classes = COCO_CLASSES;
  private readonly layout: BoxLayout;

  constructor(readonly name: string, private readonly model: GraphModel, private readonly size: number, private readonly o: Required<HumanDetectorOptions>) {
    this.layout = { columns: ['x0', 'y0', 'x1', 'y1', 'score', 'label'], coords: 'input_pixels', labelOffset: 0, inputSize: [size, size], classes: COCO_CLASSES };
  }

  async predict(images: RgbImage[], o: ExpertOptions = {}): Promise<ExpertOutput[]> {
    const threshold = o.threshold ?? this.o.minScore;
    const out: ExpertOutput[] = [];
    for (const [i, img] of images.entries()) {
      if (img.data.length !== img.width * img.height * 3) throw new Error(`${this.name}: image ${i} has ${img.data.length} bytes, expected ${img.width}x${img.height}x3`);
      const res = tf.tidy(() => {
        const x = tf.tensor4d(img.data, [1, img.height, img.width, 3], 'int32');
        return this.model.execute(tf.image.resizeBilinear(x, [this.size, this.size]), OUTPUT) as tf.Tensor;
      });
      const rows = (await res.data()) as Float32Array;
      const [, n, k] = res.shape;
      res.dispose();
      out.push({ det: this.decode(rows, n, k, img, threshold) });
    }
    return out;
  }

  private decode(rows: Float32Array, n: number, k: number, img: RgbImage, threshold: number): Detections {
    const all = decodeBoxes(rows, n, k, this.layout, [img.height, img.width], threshold);
    const keep = nms(all.boxes, all.scores, this.o.iou).slice(0, this.o.maxDetections);
    return { boxes: keep.map((i) => all.boxes[i]), labels: keep.map((i) => all.labels[i]), scores: keep.map((i) => all.scores[i]), names: keep.map((i) => all.names![i]) };
  }

  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Loads human's CenterNet COCO detector from the installed npm package (no network) on tfjs-wasm.
 *
 * @example
 * const det = await loadHumanDetector({ minScore: 0.3 });
 * const [{ det: d }] = await det.predict([photo]); // d.names[0] === 'person', d.boxes[0] in image pixels
 * det.dispose();
 */
export async function loadHumanDetector(o: HumanDetectorOptions = {}): Promise<Expert> {
  const opts: Required<HumanDetectorOptions> = { minScore: o.minScore ?? 0.5, iou: o.iou ?? 0.5, maxDetections: o.maxDetections ?? 20 };
  if (!(opts.minScore >= 0 && opts.minScore <= 1)) throw new Error(`loadHumanDetector: minScore must be in [0, 1], got ${opts.minScore}`);
  await useWasmBackend();
  const dir = packageDir(PACKAGE);
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const model = await loadGraphModelFromFiles(join(dir, 'models', 'centernet.json'));
  const shape = model.inputs[0]?.shape;
  if (!shape || shape.length !== 4 || shape[1] !== shape[2] || !(shape[1]! > 0) || shape[3] !== 3) {
    model.dispose();
    throw new Error(`${PACKAGE}@${version} models/centernet.json: unexpected input shape ${JSON.stringify(shape)} (expected [1, S, S, 3])`);
  }
  return new HumanDetector(`human:centernet@${version}`, model, shape[1]!, opts);
}
