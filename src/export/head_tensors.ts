// Decoding head outputs with tensor ops, for Node callers (the API's libtorch and onnxruntime
// backends): the spec's decode parameters drive the task table's own decoding (src/tasks/predict.ts),
// so an exported head gives the same hard labels, metres, unit normals and boxes, at each image's
// own size, as the expert it came from.
import { Tensor, tensor, tidy } from '../engine/index.js';
import { taskDecode } from '../tasks/index.js';
import type { ExpertOutput } from '../tasks/outputs.js';
import type { PixelSize } from '../tasks/predict.js';
import type { HeadSpecJson } from './head_spec.js';
import type { FlatTensor } from './head_decode.js';

/**
 * A head graph's outputs (libtorch tensors, or onnxruntime's flat tensors, wrapped here) -> one
 * result per image at that image's size: seg labels (255 under the threshold), depth in metres,
 * unit normals HWC, boxes scaled to the image. `images[i]` is image i's original size.
 * @example const [r] = decodeHeadTensors(spec, await session.run(feeds), [{ width: 640, height: 480 }]);  // r.seg.labels
 */
export function decodeHeadTensors(spec: HeadSpecJson, outputs: Record<string, Tensor | FlatTensor>, images: readonly PixelSize[]): ExpertOutput[] {
  return tidy(() => {
    const get = (name: string): Tensor => {
      const v = outputs[name];
      if (!v) throw new Error(`head decode: no output '${name}' for ${spec.task} (have ${Object.keys(outputs).join(', ')})`);
      return v instanceof Tensor ? v : tensor(v.data, { shape: [...v.dims] });
    };
    const d = spec.decode;
    const threshold = d.type === 'seg' ? d.threshold : d.type === 'centernet' ? d.score_threshold : 0;
    const o = { inputSize: spec.image_size[0], threshold, depthScale: d.type === 'depth' ? d.scale : 1, classes: spec.classes };
    switch (spec.task) {
      case 'seg': return taskDecode('seg', get('logits'), images, o);
      case 'depth': return taskDecode('depth', get('depth'), images, o);
      case 'normals': return taskDecode('normals', get('normals'), images, o);
      case 'det': return taskDecode('det', { heatmap: get('heatmap'), size: get('size'), offset: get('offset'), stride: d.type === 'centernet' ? d.stride : 1 }, images, o);
    }
  });
}
