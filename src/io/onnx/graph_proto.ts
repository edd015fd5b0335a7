// A GraphProto as plain objects (the shape OnnxGraph.toProto and protobufjs use), the element types
// of its values (inferred from inputs, initializers and each node's rule) and small helpers that the
// graph passes (float16, quantize, external data) share: fresh names, consumers, dead-node removal.
import type { OnnxGraph } from './graph.js';

/** A NodeProto. */
export interface NodeProto { opType: string; input: string[]; output: string[]; name?: string; domain?: string; attribute?: AttributeProto[] }
/** An AttributeProto (only the fields zooclip writes). */
export interface AttributeProto { name: string; type?: number; i?: number; f?: number; ints?: number[]; floats?: number[]; s?: Uint8Array }
/** A TensorProto with raw_data, or with its data in an external file. */
export interface TensorProto {
  name: string; dims: number[]; dataType: number; rawData?: Uint8Array;
  dataLocation?: number; externalData?: { key: string; value: string }[];
}
/** A ValueInfoProto of a tensor. */
export interface ValueInfoProto { name: string; type: { tensorType: { elemType: number; shape?: unknown } } }
/** A GraphProto. */
export interface GraphProto { name: string; node: NodeProto[]; initializer: TensorProto[]; input: ValueInfoProto[]; output: ValueInfoProto[] }

/** TensorProto.DataType codes the passes use. */
export const DT = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10 } as const;

/**
 * The GraphProto of a graph under construction (a structural copy of its lists; tensors are shared).
 * @example const proto = graphProtoOf(visionGraph(model));
 */
export function graphProtoOf(g: OnnxGraph): GraphProto {
  const p = g.toProto() as unknown as GraphProto;
  return { name: p.name, node: [...p.node], initializer: [...p.initializer], input: [...p.input], output: [...p.output] };
}

/**
 * An attribute's integer value, or `fallback` when the node has no such attribute.
 * @example intAttr(castNode, 'to', 1) // 6 for a Cast to int32
 */
export function intAttr(n: NodeProto, name: string, fallback: number): number {
  const a = n.attribute?.find((x) => x.name === name);
  return a?.i === undefined ? fallback : Number(a.i);
}

const BOOL_OPS = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
const INT64_OPS = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero']);

function outputTypes(n: NodeProto, types: Map<string, number>): number[] {
  const first = n.input.map((i) => types.get(i)).find((t) => t !== undefined) ?? DT.float;
  if (INT64_OPS.has(n.opType)) return n.output.map(() => DT.int64);
  if (BOOL_OPS.has(n.opType)) return n.output.map(() => DT.bool);
  switch (n.opType) {
    case 'Cast': return [intAttr(n, 'to', DT.float)];
    case 'DynamicQuantizeLinear': return [DT.uint8, DT.float, DT.uint8];
    case 'MatMulInteger': case 'ConvInteger': return [DT.int32];
    case 'DequantizeLinear': return [types.get(n.input[1]!) ?? DT.float];
    case 'QuantizeLinear': return [types.get(n.input[2] ?? '') ?? DT.uint8];
    case 'Where': return [types.get(n.input[1]!) ?? first];
    default: return n.output.map(() => first);
  }
}

/**
 * The element type (DataType code) of every input, initializer and node output, nodes read in order.
 * @example inferElemTypes(proto).get('pixel_values') // 1 (float)
 */
export function inferElemTypes(g: GraphProto): Map<string, number> {
  const types = new Map<string, number>();
  for (const v of g.input) types.set(v.name, v.type.tensorType.elemType);
  for (const t of g.initializer) types.set(t.name, t.dataType);
  for (const n of g.node) outputTypes(n, types).forEach((t, i) => types.set(n.output[i]!, t));
  return types;
}

/**
 * Fresh value names from hints, avoiding every name the graph uses.
 * @example const fresh = nameSource(proto); fresh('x_fp16') // 'x_fp16', then 'x_fp16_1'
 */
export function nameSource(g: GraphProto): (hint: string) => string {
  const used = new Set<string>([...g.input, ...g.output].map((v) => v.name));
  for (const t of g.initializer) used.add(t.name);
  for (const n of g.node) for (const v of [...n.input, ...n.output]) used.add(v);
  return (hint) => {
    let name = hint;
    for (let k = 1; used.has(name); k++) name = `${hint}_${k}`;
    used.add(name);
    return name;
  };
}

/**
 * The nodes reading each value.
 * @example consumersOf(proto).get('visual.proj')?.length // 1
 */
export function consumersOf(g: GraphProto): Map<string, NodeProto[]> {
  const m = new Map<string, NodeProto[]>();
  for (const n of g.node) for (const i of n.input) if (i !== '') m.set(i, [...(m.get(i) ?? []), n]);
  return m;
}

/**
 * The graph without nodes whose outputs nothing reads and without unread initializers.
 * @example const lean = withoutDeadCode(quantized);
 */
export function withoutDeadCode(g: GraphProto): GraphProto {
  const live = new Set(g.output.map((v) => v.name));
  const kept: NodeProto[] = [];
  for (const n of [...g.node].reverse()) {
    if (!n.output.some((o) => live.has(o))) continue;
    kept.push(n);
    for (const i of n.input) live.add(i);
  }
  return { ...g, node: kept.reverse(), initializer: g.initializer.filter((t) => live.has(t.name)) };
}

/**
 * A NodeProto (name from its first output).
 * @example nodeProto('Cast', ['x'], ['x_fp16'], [{ name: 'to', type: 2, i: 10 }])
 */
export function nodeProto(opType: string, input: string[], output: string[], attribute: AttributeProto[] = []): NodeProto {
  return { opType, input, output, name: `${output[0]}_${opType.toLowerCase()}_node`, attribute };
}

/**
 * A Cast node from `x` to the element type `to`, writing `y`.
 * @example castNode('pixel_values', 'pixel_values_fp16', DT.float16)
 */
export function castNode(x: string, y: string, to: number): NodeProto {
  return nodeProto('Cast', [x], [y], [{ name: 'to', type: 2, i: to }]);
}
