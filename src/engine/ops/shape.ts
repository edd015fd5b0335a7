// Shapes, views, joining and indexing.
import { dtypeCode, type DType } from '../dtype.js';
import { type Dims, dimList, op, t, ts } from '../op.js';
import type { Tensor } from '../tensor.js';

const RESHAPE = op('reshape'), VIEW = op('view'), PERMUTE = op('permute'), TRANSPOSE = op('transpose', 'int');
const EXPAND = op('expand'), CONTIG = op('contiguous'), FLATTEN = op('flatten', 'using_ints'), UNFLATTEN = op('unflatten', 'int');
const SQUEEZE = op('squeeze'), SQUEEZE_DIM = op('squeeze', 'dim'), UNSQUEEZE = op('unsqueeze');
const CAT = op('cat'), STACK = op('stack'), SPLIT = op('split', 'Tensor'), SPLIT_SIZES = op('split_with_sizes');
const CHUNK = op('chunk'), UNBIND = op('unbind', 'int'), NARROW = op('narrow'), SELECT = op('select', 'int');
const SLICE = op('slice', 'Tensor'), INDEX_SELECT = op('index_select'), GATHER = op('gather'), SCATTER = op('scatter', 'src');
const SCATTER_ADD = op('scatter_add'), INDEX = op('index', 'Tensor'), REPEAT = op('repeat'), FLIP = op('flip'), ROLL = op('roll');
const TRIU = op('triu'), TRIL = op('tril'), PAD = op('constant_pad_nd'), REFLECT = op('reflection_pad2d'), REPLICATE = op('replication_pad2d');
const CLONE = op('clone'), TOPK = op('topk'), SORT = op('sort'), ARGSORT = op('argsort'), NONZERO = op('nonzero');
const TO_DTYPE = op('to', 'dtype'), TO_DEVICE = op('to', 'device'), DETACH = op('detach'), EXPAND_AS = op('expand_as');
const MASKED_SELECT = op('masked_select'), REPEAT_INTERLEAVE = op('repeat_interleave', 'self_int'), PIXEL_SHUFFLE = op('pixel_shuffle');
const PIXEL_UNSHUFFLE = op('pixel_unshuffle');

export function reshape(x: Tensor, shape: readonly number[]): Tensor { return t(RESHAPE, x.id, shape); }
/** A view with a new shape (the data must be laid out for it; reshape copies when needed). */
export function view(x: Tensor, shape: readonly number[]): Tensor { return t(VIEW, x.id, shape); }
export function permute(x: Tensor, dims: readonly number[]): Tensor { return t(PERMUTE, x.id, dims); }
export function transpose(x: Tensor, d0: number, d1: number): Tensor { return t(TRANSPOSE, x.id, d0, d1); }
export function expand(x: Tensor, shape: readonly number[]): Tensor { return t(EXPAND, x.id, shape); }
export function expandAs(x: Tensor, other: Tensor): Tensor { return t(EXPAND_AS, x.id, other.id); }
export function contiguous(x: Tensor): Tensor { return t(CONTIG, x.id); }
export function flatten(x: Tensor, start = 0, end = -1): Tensor { return t(FLATTEN, x.id, start, end); }
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor { return t(UNFLATTEN, x.id, dim, sizes); }
export function squeeze(x: Tensor, dim?: number): Tensor { return dim === undefined ? t(SQUEEZE, x.id) : t(SQUEEZE_DIM, x.id, dim); }
export function unsqueeze(x: Tensor, dim: number): Tensor { return t(UNSQUEEZE, x.id, dim); }
export function cat(xs: readonly Tensor[], dim = 0): Tensor { return t(CAT, xs.map((x) => x.id), dim); }
export function stack(xs: readonly Tensor[], dim = 0): Tensor { return t(STACK, xs.map((x) => x.id), dim); }
/** Splits into pieces of `size` (a number) or of the given sizes (an array). */
export function split(x: Tensor, size: number | readonly number[], dim = 0): Tensor[] {
  return typeof size === 'number' ? ts(SPLIT, x.id, size, dim) : ts(SPLIT_SIZES, x.id, size, dim);
}
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] { return ts(CHUNK, x.id, chunks, dim); }
export function unbind(x: Tensor, dim = 0): Tensor[] { return ts(UNBIND, x.id, dim); }
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor { return t(NARROW, x.id, dim, start, length); }
export function select(x: Tensor, dim: number, index: number): Tensor { return t(SELECT, x.id, dim, index); }
/** x[start:end:step] along dim (end omitted = to the end). */
export function slice(x: Tensor, dim: number, start: number | null, end: number | null = null, step = 1): Tensor {
  return t(SLICE, x.id, dim, start, end, step);
}
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor { return t(INDEX_SELECT, x.id, dim, index.id); }
export function gather(x: Tensor, dim: number, index: Tensor): Tensor { return t(GATHER, x.id, dim, index.id); }
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor { return t(SCATTER, x.id, dim, index.id, src.id); }
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor { return t(SCATTER_ADD, x.id, dim, index.id, src.id); }
/** Advanced indexing x[i0, i1, ...]; null leaves a dimension whole. */
export function index(x: Tensor, indices: readonly (Tensor | null)[]): Tensor {
  return t(INDEX, x.id, indices.map((i) => (i ? i.id : null)));
}
export function maskedSelect(x: Tensor, mask: Tensor): Tensor { return t(MASKED_SELECT, x.id, mask.id); }
export function repeat(x: Tensor, times: readonly number[]): Tensor { return t(REPEAT, x.id, times); }
export function repeatInterleave(x: Tensor, repeats: number, dim?: number): Tensor { return t(REPEAT_INTERLEAVE, x.id, repeats, dim ?? null); }
export function flip(x: Tensor, dims: Dims): Tensor { return t(FLIP, x.id, dimList(dims)); }
export function roll(x: Tensor, shifts: Dims, dims: Dims): Tensor { return t(ROLL, x.id, dimList(shifts), dimList(dims)); }
export function triu(x: Tensor, diagonal = 0): Tensor { return t(TRIU, x.id, diagonal); }
export function tril(x: Tensor, diagonal = 0): Tensor { return t(TRIL, x.id, diagonal); }
/**
 * Pads the last dimensions: pad = [left, right, top, bottom, ...] as torch.nn.functional.pad.
 * Modes: constant (with value), reflect and replicate (4-d input, 2-d padding).
 */
export function pad(x: Tensor, padding: readonly number[], mode: 'constant' | 'reflect' | 'replicate' = 'constant', value = 0): Tensor {
  if (mode === 'constant') return t(PAD, x.id, padding, value);
  if (padding.length !== 4) throw new Error(`pad: mode ${mode} takes 4 padding values for a 4-d input, got ${padding.length}`);
  return t(mode === 'reflect' ? REFLECT : REPLICATE, x.id, padding);
}
export function clone(x: Tensor): Tensor { return t(CLONE, x.id); }
export function topk(x: Tensor, k: number, dim = -1, largest = true, sorted = true): [Tensor, Tensor] {
  return ts(TOPK, x.id, k, dim, largest, sorted) as [Tensor, Tensor];
}
export function sort(x: Tensor, dim = -1, descending = false): [Tensor, Tensor] { return ts(SORT, x.id, dim, descending) as [Tensor, Tensor]; }
export function argsort(x: Tensor, dim = -1, descending = false): Tensor { return t(ARGSORT, x.id, dim, descending); }
export function nonzero(x: Tensor): Tensor { return t(NONZERO, x.id); }
export function pixelShuffle(x: Tensor, factor: number): Tensor { return t(PIXEL_SHUFFLE, x.id, factor); }
export function pixelUnshuffle(x: Tensor, factor: number): Tensor { return t(PIXEL_UNSHUFFLE, x.id, factor); }

/** Converts dtype and/or device (returns a new handle even when nothing changes). */
export function to(x: Tensor, target: DType | string, dtype?: DType): Tensor {
  const isDevice = target === 'cpu' || target.startsWith('cuda') || target.startsWith('mps');
  if (!isDevice) return t(TO_DTYPE, x.id, dtypeCode(target as DType));
  return t(TO_DEVICE, x.id, target, dtypeCode(dtype ?? x.dtype));
}
/** A tensor sharing data but cut from the autograd graph. */
export function detach(x: Tensor): Tensor { return t(DETACH, x.id); }
