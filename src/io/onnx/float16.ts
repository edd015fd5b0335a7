// The float16 variant of a graph (transformers.js's `_fp16` files): float initializers stored as
// IEEE half, the arithmetic in float16, float32 kept at the graph's edges (a Cast after each float
// input and before each float output, as transformers.js feeds float32 pixel_values and reads float32
// logits) and around the operators whose float16 arithmetic overflows or loses too much (reductions:
// LayerNormalization's variance, Softmax's sum of exponentials, ReduceMean over tokens, ReduceL2).
import { DT, type GraphProto, type NodeProto, type TensorProto, castNode, consumersOf, inferElemTypes, intAttr, nameSource } from './graph_proto.js';

/**
 * Operators computed in float32 inside a float16 graph (their float inputs cast up, outputs cast down):
 * the reductions, whose sums of squares or of exponentials pass 65504 (a residual stream value of 256
 * squared does), and Exp (exp(x) overflows float16 above x = 11.1, and onnxruntime's CPU and wasm
 * kernels have no float16 Exp: without the Cast it would insert one itself).
 */
export const FLOAT32_OPS: readonly string[] = ['LayerNormalization', 'Softmax', 'ReduceMean', 'ReduceL2', 'ReduceSum', 'ReduceSumSquare', 'Exp'];

/** The largest finite float16 and the smallest positive (subnormal) one. */
const F16_MAX = 65504, F16_MIN_POSITIVE = 2 ** -24;

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);

/**
 * The IEEE half bits of a number, rounded to nearest even (overflow gives infinity, NaN stays NaN).
 * @example float16Bits(1) // 0x3c00
 */
export function float16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0]!, sign = (x >>> 16) & 0x8000, exp = (x >>> 23) & 0xff, mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 112;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const full = mant | 0x800000, shift = 14 - e, rem = full & ((1 << shift) - 1), halfway = 1 << (shift - 1);
    const m = full >>> shift;
    return sign | (rem > halfway || (rem === halfway && m & 1) ? m + 1 : m);
  }
  const h = (e << 10) | (mant >>> 13), rem = mant & 0x1fff;
  return sign | (rem > 0x1000 || (rem === 0x1000 && h & 1) ? h + 1 : h);
}

/**
 * float32 little-endian bytes as float16 bytes. Finite values beyond the half range are clamped to
 * +-65504 and nonzero values below its smallest subnormal to +-2^-24 (an epsilon such as 1e-12 must
 * not become 0); infinities (the causal mask's -inf) stay infinite.
 * @example float32BytesToFloat16(new Uint8Array(new Float32Array([1, -2]).buffer)) // bytes of 0x3c00, 0xc000
 */
export function float32BytesToFloat16(bytes: Uint8Array): Uint8Array {
  const src = new Float32Array(bytes.slice().buffer), out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!, a = Math.abs(v);
    const c = Number.isFinite(v) && a > F16_MAX ? Math.sign(v) * F16_MAX : a > 0 && a < F16_MIN_POSITIVE ? Math.sign(v) * F16_MIN_POSITIVE : v;
    out[i] = float16Bits(c);
  }
  return new Uint8Array(out.buffer);
}

function halfTensor(t: TensorProto): TensorProto {
  if (!t.rawData) throw new Error(`float16: initializer '${t.name}' has no raw_data (convert before moving data to an external file)`);
  return { ...t, dataType: DT.float16, rawData: float32BytesToFloat16(t.rawData) };
}

/** Options of toFloat16. */
export interface Float16Options {
  /** Operators computed in float32 (default FLOAT32_OPS). */
  float32Ops?: readonly string[];
}

interface Pass { g: GraphProto; types: Map<string, number>; fresh: (h: string) => string; keep32: Set<string>; out: NodeProto[]; up: Map<string, string> }

/** The float32 version of float16 value `v` (one Cast per value). */
function upcast(p: Pass, v: string): string {
  let name = p.up.get(v);
  if (!name) {
    name = p.fresh(`${v}_fp32`);
    p.out.push(castNode(v, name, DT.float));
    p.up.set(v, name);
  }
  return name;
}

function float32Node(p: Pass, n: NodeProto, floatInit32: Set<string>): void {
  const input = n.input.map((v) => (v === '' || p.types.get(v) !== DT.float || floatInit32.has(v) ? v : upcast(p, v)));
  const casts: NodeProto[] = [];
  const output = n.output.map((o) => {
    if (p.types.get(o) !== DT.float) return o;
    const wide = p.fresh(`${o}_fp32`);
    casts.push(castNode(wide, o, DT.float16));
    return wide;
  });
  p.out.push({ ...n, input, output }, ...casts);
}

function renameAll(g: GraphProto, from: Map<string, string>): NodeProto[] {
  const r = (v: string) => from.get(v) ?? v;
  return g.node.map((n) => ({ ...n, input: n.input.map(r), output: n.output.map(r) }));
}

/**
 * The float16 version of a graph: float initializers as float16, arithmetic in float16, the operators
 * of `float32Ops` in float32 (their float initializers, such as LayerNorm's weight and bias, stay
 * float32 when nothing else reads them), float32 graph inputs and outputs through Casts at the edges.
 * @example writeOnnxModel('onnx/vision_model_fp16.onnx', toFloat16(graphProtoOf(visionGraph(model))));
 */
export function toFloat16(graph: GraphProto, o: Float16Options = {}): GraphProto {
  const types = inferElemTypes(graph), fresh = nameSource(graph), keep32 = new Set(o.float32Ops ?? FLOAT32_OPS);
  const edge = new Map<string, string>(), out: NodeProto[] = [];
  for (const v of graph.input) if (types.get(v.name) === DT.float) edge.set(v.name, fresh(`${v.name}_fp16`));
  for (const v of graph.output) if (types.get(v.name) === DT.float) edge.set(v.name, fresh(`${v.name}_fp16`));
  const g = { ...graph, node: renameAll(graph, edge) };
  for (const [from, to] of edge) types.set(to, types.get(from)!);
  for (const v of graph.input) if (edge.has(v.name)) out.push(castNode(v.name, edge.get(v.name)!, DT.float16));
  const consumers = consumersOf(g);
  const floatInit32 = new Set(g.initializer.filter((t) => t.dataType === DT.float && consumers.get(t.name)?.every((n) => keep32.has(n.opType))).map((t) => t.name));
  const p: Pass = { g, types, fresh, keep32, out, up: new Map() };
  for (const n of g.node) {
    if (keep32.has(n.opType)) float32Node(p, n, floatInit32);
    else if (n.opType === 'Cast' && intAttr(n, 'to', 0) === DT.float) out.push({ ...n, attribute: [{ name: 'to', type: 2, i: DT.float16 }] });
    else out.push(n);
  }
  for (const v of graph.output) if (edge.has(v.name)) out.push(castNode(edge.get(v.name)!, v.name, DT.float));
  const initializer = g.initializer.map((t) => (t.dataType === DT.float && !floatInit32.has(t.name) ? halfTensor(t) : t));
  return { ...g, node: out, initializer };
}
