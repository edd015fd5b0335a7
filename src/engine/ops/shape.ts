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

/**
 * The same data in a new shape (-1 infers one size), a view when possible, as torch.reshape.
 * @example reshape(arange(6), [2, -1]).shape // [2, 3]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor { return t(RESHAPE, x.id, shape); }
/**
 * A view with a new shape (the data must be laid out for it; reshape copies when needed).
 * @example view(arange(6), [3, 2]).shape // [3, 2]
 */
export function view(x: Tensor, shape: readonly number[]): Tensor { return t(VIEW, x.id, shape); }
/**
 * Reorders the dimensions (a view), as torch.permute.
 * @example permute(randn([2, 224, 224, 3]), [0, 3, 1, 2]).shape // [2, 3, 224, 224]: NHWC to NCHW
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor { return t(PERMUTE, x.id, dims); }
/**
 * Swaps two dimensions (a view), as torch.transpose.
 * @example transpose(randn([2, 5, 8]), 1, 2).shape // [2, 8, 5]
 */
export function transpose(x: Tensor, d0: number, d1: number): Tensor { return t(TRANSPOSE, x.id, d0, d1); }
/**
 * Broadcasts size-1 dimensions to shape without copying (-1 keeps a size), as torch.Tensor.expand.
 * @example expand(tensor([[1], [2]]), [2, 3]).toArray() // [1, 1, 1, 2, 2, 2]
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor { return t(EXPAND, x.id, shape); }
/**
 * expand() to other's shape, as torch.Tensor.expand_as.
 * @example expandAs(zeros([1, 1, 64]), randn([8, 1, 64])).shape // [8, 1, 64]: a class token per image
 */
export function expandAs(x: Tensor, other: Tensor): Tensor { return t(EXPAND_AS, x.id, other.id); }
/**
 * A copy laid out row-major, or x itself (a new handle) when it already is, as torch.Tensor.contiguous.
 * @example const y = view(contiguous(transpose(x, 0, 1)), [-1]);
 */
export function contiguous(x: Tensor): Tensor { return t(CONTIG, x.id); }
/**
 * Merges dims start..end (inclusive) into one, as torch.flatten.
 * @example flatten(randn([2, 64, 14, 14]), 2).shape // [2, 64, 196]: a grid to tokens
 */
export function flatten(x: Tensor, start = 0, end = -1): Tensor { return t(FLATTEN, x.id, start, end); }
/**
 * Splits dim into sizes, as torch.unflatten.
 * @example unflatten(randn([2, 196, 64]), 1, [14, 14]).shape // [2, 14, 14, 64]: tokens to a grid
 */
export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor { return t(UNFLATTEN, x.id, dim, sizes); }
/**
 * Drops dim if its size is 1 (every size-1 dim when omitted), as torch.squeeze.
 * @example squeeze(zeros([1, 3, 1]), 0).shape // [3, 1]
 */
export function squeeze(x: Tensor, dim?: number): Tensor { return dim === undefined ? t(SQUEEZE, x.id) : t(SQUEEZE_DIM, x.id, dim); }
/**
 * Inserts a size-1 dimension at dim, as torch.unsqueeze.
 * @example unsqueeze(tensor([1, 2]), 0).shape // [1, 2]
 */
export function unsqueeze(x: Tensor, dim: number): Tensor { return t(UNSQUEEZE, x.id, dim); }
/**
 * Joins tensors along an existing dim, as torch.cat.
 * @example cat([zeros([2, 1, 64]), randn([2, 196, 64])], 1).shape // [2, 197, 64]: class token + patches
 */
export function cat(xs: readonly Tensor[], dim = 0): Tensor { return t(CAT, xs.map((x) => x.id), dim); }
/**
 * Joins same-shape tensors along a new dim, as torch.stack.
 * @example stack([tensor([1, 2]), tensor([3, 4])]).shape // [2, 2]
 */
export function stack(xs: readonly Tensor[], dim = 0): Tensor { return t(STACK, xs.map((x) => x.id), dim); }
/**
 * Splits into pieces of `size` (a number) or of the given sizes (an array).
 * @example split(arange(5), 2).map((p) => p.shape[0]) // [2, 2, 1]
 * @example const [rgb, alpha] = split(rgba, [3, 1], 1);
 */
export function split(x: Tensor, size: number | readonly number[], dim = 0): Tensor[] {
  return typeof size === 'number' ? ts(SPLIT, x.id, size, dim) : ts(SPLIT_SIZES, x.id, size, dim);
}
/**
 * Splits into `chunks` nearly equal pieces (views), as torch.chunk.
 * @example const [q, k, v] = chunk(linear(x, inProjWeight, inProjBias), 3, -1);
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] { return ts(CHUNK, x.id, chunks, dim); }
/**
 * The slices along dim, without that dim, as torch.unbind.
 * @example unbind(tensor([[1, 2], [3, 4]])).map((row) => row.toArray()) // [[1, 2], [3, 4]]
 */
export function unbind(x: Tensor, dim = 0): Tensor[] { return ts(UNBIND, x.id, dim); }
/**
 * length elements of dim from start (a view), as torch.narrow.
 * @example narrow(arange(10), 0, 2, 3).toArray() // [2, 3, 4]
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor { return t(NARROW, x.id, dim, start, length); }
/**
 * The slice at index along dim, without that dim (a view), as torch.select.
 * @example select(randn([2, 197, 64]), 1, 0).shape // [2, 64]: the class token
 */
export function select(x: Tensor, dim: number, index: number): Tensor { return t(SELECT, x.id, dim, index); }
/**
 * x[start:end:step] along dim (end omitted = to the end).
 * @example slice(arange(10), 0, 1, null, 3).toArray() // [1, 4, 7]
 * @example const patches = slice(tokens, 1, 1); // tokens[:, 1:]
 */
export function slice(x: Tensor, dim: number, start: number | null, end: number | null = null, step = 1): Tensor {
  return t(SLICE, x.id, dim, start, end, step);
}
/**
 * The entries at int64 indices along dim (a copy), as torch.index_select.
 * @example indexSelect(tensor([10, 20, 30]), 0, tensor([2, 0], { dtype: 'int64' })).toArray() // [30, 10]
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor { return t(INDEX_SELECT, x.id, dim, index.id); }
/**
 * out[i][j] = x[i][index[i][j]] along dim (int64 index), as torch.gather.
 * @example gather(tensor([[1, 2], [3, 4]]), 1, tensor([[1], [0]], { dtype: 'int64' })).toArray() // [2, 3]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor { return t(GATHER, x.id, dim, index.id); }
/**
 * A copy of x with src written at int64 index along dim, as torch.scatter.
 * @example scatter(zeros([2, 3]), 1, tensor([[2], [0]], { dtype: 'int64' }), ones([2, 1])).toArray() // [0, 0, 1, 1, 0, 0]: one-hot
 */
export function scatter(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor { return t(SCATTER, x.id, dim, index.id, src.id); }
/**
 * A copy of x with src added at int64 index along dim (repeats accumulate), as torch.scatter_add.
 * @example scatterAdd(zeros([3]), 0, tensor([0, 2, 0], { dtype: 'int64' }), ones([3])).toArray() // [2, 0, 1]: a histogram
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor { return t(SCATTER_ADD, x.id, dim, index.id, src.id); }
/**
 * Advanced indexing x[i0, i1, ...]; null leaves a dimension whole.
 * @example index(tensor([[1, 2], [3, 4]]), [null, tensor([0], { dtype: 'int64' })]).toArray() // [1, 3]: x[:, [0]]
 * @example const kept = index(boxes, [gt(scores, 0.5)]); // rows whose score > 0.5
 */
export function index(x: Tensor, indices: readonly (Tensor | null)[]): Tensor {
  return t(INDEX, x.id, indices.map((i) => (i ? i.id : null)));
}
/**
 * The elements where mask is true, as a 1-d tensor, as torch.masked_select.
 * @example maskedSelect(tensor([1, -2, 3]), tensor([1, 0, 1], { dtype: 'bool' })).toArray() // [1, 3]
 */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor { return t(MASKED_SELECT, x.id, mask.id); }
/**
 * Tiles x `times` over each dim (a copy), as torch.Tensor.repeat.
 * @example repeat(tensor([1, 2]), [2]).toArray() // [1, 2, 1, 2]
 */
export function repeat(x: Tensor, times: readonly number[]): Tensor { return t(REPEAT, x.id, times); }
/**
 * Repeats each element `repeats` times (along dim, or flattened when omitted), as torch.repeat_interleave.
 * @example repeatInterleave(tensor([1, 2]), 2).toArray() // [1, 1, 2, 2]
 */
export function repeatInterleave(x: Tensor, repeats: number, dim?: number): Tensor { return t(REPEAT_INTERLEAVE, x.id, repeats, dim ?? null); }
/**
 * Reverses the order along dims, as torch.flip.
 * @example flip(tensor([1, 2, 3]), 0).toArray() // [3, 2, 1]
 * @example const mirrored = flip(images, 3); // horizontal flip of NCHW
 */
export function flip(x: Tensor, dims: Dims): Tensor { return t(FLIP, x.id, dimList(dims)); }
/**
 * Shifts elements along dims, wrapping around, as torch.roll.
 * @example roll(tensor([1, 2, 3]), 1, 0).toArray() // [3, 1, 2]
 */
export function roll(x: Tensor, shifts: Dims, dims: Dims): Tensor { return t(ROLL, x.id, dimList(shifts), dimList(dims)); }
/**
 * The upper triangle from `diagonal` up, the rest zero, as torch.triu.
 * @example triu(ones([2, 2])).toArray() // [1, 1, 0, 1]
 * @example const future = triu(ones([77, 77], { dtype: 'bool' }), 1); // causal mask's blocked keys
 */
export function triu(x: Tensor, diagonal = 0): Tensor { return t(TRIU, x.id, diagonal); }
/**
 * The lower triangle from `diagonal` down, the rest zero, as torch.tril.
 * @example tril(ones([2, 2])).toArray() // [1, 0, 1, 1]
 */
export function tril(x: Tensor, diagonal = 0): Tensor { return t(TRIL, x.id, diagonal); }
/**
 * Pads the last dimensions: pad = [left, right, top, bottom, ...] as torch.nn.functional.pad.
 * Modes: constant (with value), reflect and replicate (4-d input, 2-d padding).
 * @example pad(tensor([1, 2]), [1, 2]).toArray() // [0, 1, 2, 0, 0]
 * @example pad(randn([1, 3, 8, 8]), [1, 1, 1, 1], 'reflect').shape // [1, 3, 10, 10]
 */
export function pad(x: Tensor, padding: readonly number[], mode: 'constant' | 'reflect' | 'replicate' = 'constant', value = 0): Tensor {
  if (mode === 'constant') return t(PAD, x.id, padding, value);
  if (padding.length !== 4) throw new Error(`pad: mode ${mode} takes 4 padding values for a 4-d input, got ${padding.length}`);
  return t(mode === 'reflect' ? REFLECT : REPLICATE, x.id, padding);
}
/**
 * A copy with its own memory; gradients flow through it, as torch.clone.
 * @example const before = clone(param); // a snapshot to compare after a step
 */
export function clone(x: Tensor): Tensor { return t(CLONE, x.id); }
/**
 * The k largest (or smallest) values along dim and their int64 indices, as torch.topk.
 * @example topk(tensor([1, 9, 3, 7]), 2)[1].toArray() // [1, 3]
 * @example const [, top5] = topk(logits, 5); // [N, 5] class ids
 */
export function topk(x: Tensor, k: number, dim = -1, largest = true, sorted = true): [Tensor, Tensor] {
  return ts(TOPK, x.id, k, dim, largest, sorted) as [Tensor, Tensor];
}
/**
 * Sorted values along dim and the int64 indices they came from, as torch.sort.
 * @example sort(tensor([3, 1, 2]))[0].toArray() // [1, 2, 3]
 */
export function sort(x: Tensor, dim = -1, descending = false): [Tensor, Tensor] { return ts(SORT, x.id, dim, descending) as [Tensor, Tensor]; }
/**
 * The int64 indices that sort x along dim, as torch.argsort.
 * @example argsort(tensor([3, 1, 2]), -1, true).toArray() // [0, 2, 1]
 */
export function argsort(x: Tensor, dim = -1, descending = false): Tensor { return t(ARGSORT, x.id, dim, descending); }
/**
 * int64 coordinates [count, ndim] of the nonzero elements, as torch.nonzero.
 * @example nonzero(tensor([0, 5, 0, 7])).toArray() // [1, 3], shape [2, 1]
 */
export function nonzero(x: Tensor): Tensor { return t(NONZERO, x.id); }
/**
 * Rearranges [N, C*r*r, H, W] to [N, C, H*r, W*r] (sub-pixel upsampling), as torch.pixel_shuffle.
 * @example pixelShuffle(randn([1, 16, 8, 8]), 2).shape // [1, 4, 16, 16]
 */
export function pixelShuffle(x: Tensor, factor: number): Tensor { return t(PIXEL_SHUFFLE, x.id, factor); }
/**
 * The inverse of pixelShuffle: [N, C, H*r, W*r] to [N, C*r*r, H, W], as torch.pixel_unshuffle.
 * @example pixelUnshuffle(randn([1, 4, 16, 16]), 2).shape // [1, 16, 8, 8]
 */
export function pixelUnshuffle(x: Tensor, factor: number): Tensor { return t(PIXEL_UNSHUFFLE, x.id, factor); }

/**
 * Converts dtype and/or device (returns a new handle even when nothing changes).
 * @example to(tensor([1.7]), 'int64').toArray() // [1]
 * @example const batch = to(images, defaultDevice()); // 'cuda:0' when there is one, else 'cpu'
 */
export function to(x: Tensor, target: DType | string, dtype?: DType): Tensor {
  const isDevice = target === 'cpu' || target.startsWith('cuda') || target.startsWith('mps');
  if (!isDevice) return t(TO_DTYPE, x.id, dtypeCode(target as DType));
  return t(TO_DEVICE, x.id, target, dtypeCode(dtype ?? x.dtype));
}
/**
 * A tensor sharing data but cut from the autograd graph.
 * @example const target = detach(teacherLogits); // no gradient flows into the teacher
 */
export function detach(x: Tensor): Tensor { return t(DETACH, x.id); }
