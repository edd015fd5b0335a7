// The int8 variant of a graph (transformers.js's `_quantized` files), as onnxruntime's
// quantize_dynamic lays it out: each MatMul by a constant weight becomes DynamicQuantizeLinear of the
// activation (uint8, one scale and zero point per call), MatMulInteger by the 8-bit weight, a Cast to
// float and a Mul by activation scale x weight scale. Weights are quantized symmetrically per output
// channel (column of the MatMul's right operand). Gather tables (token embeddings) are stored in
// int8 per row and dequantized after the Gather. Conv weights and positional tables stay float32.
import { DT, type GraphProto, type NodeProto, type TensorProto, intAttr, nameSource, nodeProto, withoutDeadCode } from './graph_proto.js';

/** How the 8-bit weights are stored: uint8 with zero point 128 (default) or int8 with zero point 0. */
export type WeightType = 'uint8' | 'int8';

/** Options of quantizeMatMulWeights. */
export interface QuantizeOptions {
  /**
   * uint8 (zero point 128) runs MLAS's u8u8 kernels; int8 runs u8s8, whose AVX2 path (x86 without
   * VNNI) can saturate 16-bit sums, which onnxruntime's quantization notes warn about. Default uint8.
   */
  weightType?: WeightType;
  /** Weights with fewer elements stay float32 (default 0: every constant MatMul weight). */
  minElements?: number;
  /**
   * Also store Gather tables (token embeddings) in int8 with a symmetric scale per row, dequantized
   * after the Gather (default true: the token table is most of a text tower's bytes, and
   * quantize_dynamic quantizes Gather too).
   */
  embeddings?: boolean;
}

interface Weight { name: string; rows: number; cols: number; at: (r: number, c: number) => number }

/** The MatMul's right operand as a [K, N] float32 constant: an initializer, or Transpose(perm 1,0) of one. */
function constantWeight(b: string, inits: Map<string, TensorProto>, producer: Map<string, NodeProto>): Weight | null {
  const direct = inits.get(b), tr = producer.get(b);
  const t = direct ?? (tr?.opType === 'Transpose' && permIsSwap(tr) ? inits.get(tr.input[0]!) : undefined);
  if (!t || t.dataType !== DT.float || t.dims.length !== 2 || !t.rawData) return null;
  const v = new Float32Array(t.rawData.slice().buffer), [d0, d1] = t.dims.map(Number) as [number, number];
  return direct ? { name: t.name, rows: d0, cols: d1, at: (r, c) => v[r * d1 + c]! } : { name: t.name, rows: d1, cols: d0, at: (r, c) => v[c * d1 + r]! };
}

function permIsSwap(n: NodeProto): boolean {
  const perm = n.attribute?.find((a) => a.name === 'perm')?.ints?.map(Number);
  return perm !== undefined && perm.length === 2 && perm[0] === 1 && perm[1] === 0;
}

/**
 * Symmetric per-column 8-bit quantization of a [K, N] weight: scale_n = max_k |w_kn| / 127 (1 for an
 * all-zero column), q = round(w / scale) in [-127, 127], stored with `offset` added (128 for uint8).
 * @example const { q, scale } = quantizeColumns(w, 128);
 */
export function quantizeColumns(w: Weight, offset: number): { q: Uint8Array | Int8Array; scale: Float32Array } {
  const scale = new Float32Array(w.cols);
  for (let c = 0; c < w.cols; c++) {
    let m = 0;
    for (let r = 0; r < w.rows; r++) m = Math.max(m, Math.abs(w.at(r, c)));
    scale[c] = m > 0 ? m / 127 : 1;
  }
  const q = offset ? new Uint8Array(w.rows * w.cols) : new Int8Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) {
    for (let c = 0; c < w.cols; c++) q[r * w.cols + c] = Math.max(-127, Math.min(127, Math.round(w.at(r, c) / scale[c]!))) + offset;
  }
  return { q, scale };
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

interface Pass { fresh: (h: string) => string; inits: TensorProto[]; quantized: Map<string, string[]>; activations: Map<string, string[]>; out: NodeProto[]; wt: WeightType }

/** The initializers [q, scale, zero point?] of a weight, made once per weight. */
function weightInits(p: Pass, w: Weight): string[] {
  const known = p.quantized.get(w.name);
  if (known) return known;
  const { q, scale } = quantizeColumns(w, p.wt === 'uint8' ? 128 : 0);
  const names = [p.fresh(`${w.name}_quantized`), p.fresh(`${w.name}_scale`)];
  p.inits.push({ name: names[0]!, dims: [w.rows, w.cols], dataType: p.wt === 'uint8' ? DT.uint8 : DT.int8, rawData: bytesOf(q) });
  p.inits.push({ name: names[1]!, dims: [w.cols], dataType: DT.float, rawData: bytesOf(scale) });
  if (p.wt === 'uint8') {
    names.push(p.fresh(`${w.name}_zero_point`));
    p.inits.push({ name: names[2]!, dims: [], dataType: DT.uint8, rawData: new Uint8Array([128]) });
  }
  p.quantized.set(w.name, names);
  return names;
}

/** DynamicQuantizeLinear of an activation, once per activation. */
function quantizedActivation(p: Pass, x: string): string[] {
  let q = p.activations.get(x);
  if (!q) {
    q = [p.fresh(`${x}_quantized`), p.fresh(`${x}_scale`), p.fresh(`${x}_zero_point`)];
    p.out.push(nodeProto('DynamicQuantizeLinear', [x], q));
    p.activations.set(x, q);
  }
  return q;
}

function integerMatMul(p: Pass, n: NodeProto, w: Weight): void {
  const [xq, xs, xz] = quantizedActivation(p, n.input[0]!);
  const [wq, ws, wz] = weightInits(p, w);
  const acc = p.fresh(`${n.output[0]}_int32`), f = p.fresh(`${n.output[0]}_float`), s = p.fresh(`${n.output[0]}_rescale`);
  p.out.push(nodeProto('MatMulInteger', [xq!, wq!, xz!, ...(wz ? [wz] : [])], [acc]));
  p.out.push(nodeProto('Cast', [acc], [f], [{ name: 'to', type: 2, i: DT.float }]));
  p.out.push(nodeProto('Mul', [xs!, ws!], [s]));
  p.out.push(nodeProto('Mul', [f, s], [n.output[0]!]));
}

/** Gather(table, ids) -> Cast(Gather(int8 table, ids)) * Gather(row scales, ids). */
function int8Gather(p: Pass, n: NodeProto, t: TensorProto): void {
  const [rows, cols] = t.dims.map(Number) as [number, number], v = new Float32Array(t.rawData!.slice().buffer);
  const { q, scale } = quantizeColumns({ name: t.name, rows: cols, cols: rows, at: (r, c) => v[c * cols + r]! }, 0);
  const transposed = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) transposed[r * cols + c] = q[c * rows + r]!;
  const [tq, ts] = [p.fresh(`${t.name}_quantized`), p.fresh(`${t.name}_scale`)];
  p.inits.push({ name: tq, dims: [rows, cols], dataType: DT.int8, rawData: bytesOf(transposed) });
  p.inits.push({ name: ts, dims: [rows, 1], dataType: DT.float, rawData: bytesOf(scale) });
  const o = n.output[0]!, [gq, gf, gs] = [p.fresh(`${o}_int8`), p.fresh(`${o}_float`), p.fresh(`${o}_scale`)];
  p.out.push(nodeProto('Gather', [tq, n.input[1]!], [gq], [{ name: 'axis', type: 2, i: 0 }]));
  p.out.push(nodeProto('Cast', [gq], [gf], [{ name: 'to', type: 2, i: DT.float }]));
  p.out.push(nodeProto('Gather', [ts, n.input[1]!], [gs], [{ name: 'axis', type: 2, i: 0 }]));
  p.out.push(nodeProto('Mul', [gf, gs], [o]));
}

function gatherTable(n: NodeProto, inits: Map<string, TensorProto>): TensorProto | null {
  const t = n.opType === 'Gather' && intAttr(n, 'axis', 0) === 0 ? inits.get(n.input[0]!) : undefined;
  return t && t.dataType === DT.float && t.dims.length === 2 && t.rawData ? t : null;
}

/**
 * The dynamically quantized version of a float32 graph: every MatMul whose right operand is a
 * constant [K, N] weight (or its Transpose) runs as DynamicQuantizeLinear + MatMulInteger with the
 * weight in 8 bits, per-column symmetric scales; Gather tables (token embeddings) become int8 with a
 * scale per row (unless `embeddings: false`); the float weights they replace are dropped.
 * @example writeOnnxModel('onnx/vision_model_quantized.onnx', quantizeMatMulWeights(graphProtoOf(visionGraph(model))));
 */
export function quantizeMatMulWeights(graph: GraphProto, o: QuantizeOptions = {}): GraphProto {
  const inits = new Map(graph.initializer.map((t) => [t.name, t]));
  const producer = new Map(graph.node.flatMap((n) => n.output.map((v) => [v, n] as const)));
  const p: Pass = { fresh: nameSource(graph), inits: [], quantized: new Map(), activations: new Map(), out: [], wt: o.weightType ?? 'uint8' };
  for (const n of graph.node) {
    const w = n.opType === 'MatMul' ? constantWeight(n.input[1]!, inits, producer) : null;
    const table = o.embeddings === false ? null : gatherTable(n, inits);
    if (w && w.rows * w.cols >= (o.minElements ?? 0)) integerMatMul(p, n, w);
    else if (table) int8Gather(p, n, table);
    else p.out.push(n);
  }
  return withoutDeadCode({ ...graph, node: p.out, initializer: [...graph.initializer, ...p.inits] });
}

/**
 * How many MatMuls of a graph run on 8-bit weights (MatMulInteger nodes).
 * @example countIntegerMatMuls(quantizeMatMulWeights(proto)) // 4 per transformer block + projection
 */
export function countIntegerMatMuls(g: GraphProto): number {
  return g.node.filter((n) => n.opType === 'MatMulInteger').length;
}
