// Main-thread batch assembly: the workers' uint8 crops become one normalised float tensor (a
// single native pass), captions become token ids, dense labels become target tensors and masks.
import { type Tensor, tidy, keep, wrap } from '../../engine/index.js';
import { dtypeCode } from '../../engine/dtype.js';
import { native } from '../../engine/native.js';
import type { DenseKind, SampleOk } from './transform.js';

/** A training batch. Owns its tensors: call dispose() (or `using`) when the step is done. */
export interface Batch {
  /** float32 [B, 3, S, S], (x / 255 - mean) / std. */
  images: Tensor;
  /** int64 [B, context] from the tokenize callback, when one was given. */
  tokens?: Tensor;
  captions: string[];
  keys: string[];
  /** int64 [B, S, S] class ids, 255 = ignore. */
  seg?: Tensor;
  /** float32 [B, 1, S, S] depth in `json` depth_scale units (0 = invalid) and its bool mask. */
  depth?: Tensor;
  depthMask?: Tensor;
  /** float32 [B, 3, S, S] unit normals (rgb / 127.5 - 1; zero where there is none) and a bool [B, 1, S, S] mask of real ones. */
  normal?: Tensor;
  normalMask?: Tensor;
  dispose(): void;
  [Symbol.dispose](): void;
}

/** What collation needs to know. */
export interface CollateConfig {
  imageSize: number;
  mean: readonly number[];
  std: readonly number[];
  dense: readonly DenseKind[];
  tokenize?: (texts: string[]) => Tensor;
}

function stack(items: ArrayBufferView[], shape: number[], dtype: 'uint8' | 'float32'): Tensor {
  return wrap(native.stackToTensor(items, shape, dtypeCode(dtype)));
}

function denseTensors(samples: SampleOk[], c: CollateConfig, out: Partial<Batch>): void {
  const s = c.imageSize;
  tidy(() => {
    if (c.dense.includes('seg')) out.seg = keep(stack(samples.map((x) => x.seg!), [s, s], 'uint8').to('int64'));
    if (c.dense.includes('depth')) {
      out.depth = keep(stack(samples.map((x) => x.depth!), [1, s, s], 'float32'));
      out.depthMask = keep(out.depth.gt(0));
    }
    if (c.dense.includes('normal')) {
      const n = stack(samples.map((x) => x.normal!), [s, s, 3], 'uint8').permute([0, 3, 1, 2]).to('float32').div(127.5).sub(1);
      out.normalMask = keep(n.square().sum(1, true).gt(0.25));  // as isNormal(): length above 0.5
      out.normal = keep(n.mul(out.normalMask).contiguous());
    }
  });
}

/** Builds a batch from decoded samples (main thread only: it creates tensors). */
export function collate(samples: SampleOk[], keys: string[], c: CollateConfig): Batch {
  const s = c.imageSize;
  const captions = samples.map((x) => x.caption);
  const parts: Partial<Batch> = {};
  try {
    parts.images = wrap(native.imagesToTensor(samples.map((x) => x.image), s, s, c.mean, c.std));
    if (c.tokenize) parts.tokens = c.tokenize(captions);
    if (c.dense.length) denseTensors(samples, c, parts);
  } catch (e) {
    for (const t of Object.values(parts)) (t as Tensor).dispose();
    throw e;
  }
  const tensors = Object.values(parts) as Tensor[];
  const dispose = (): void => { for (const t of tensors) t.dispose(); };
  return { ...(parts as { images: Tensor }), captions, keys, dispose, [Symbol.dispose]: dispose };
}
