// A GraphProto under construction: typed inputs and outputs (symbolic dims such as `batch` are
// strings), initializers by name (each name once), nodes in topological order with generated
// unique value names, and small int64/float32 constants shared by value.
import { type ElemType, type TensorData, ONNX_ELEM_TYPE, float32Data, int64Data, tensorProto } from './tensor.js';

/** A dimension: a fixed size or a symbolic name (dim_param), e.g. 'batch'. */
export type Dim = number | string;

/** A node attribute, tagged with its ONNX type. */
export type Attr =
  | { int: number } | { float: number } | { ints: readonly number[] } | { floats: readonly number[] } | { string: string };

/** A tensor value's declared type: element type and shape. */
export interface ValueType { dtype: ElemType; dims: readonly Dim[] }

const ATTR_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

function attributeProto(name: string, a: Attr): Record<string, unknown> {
  if ('int' in a) return { name, type: ATTR_TYPE.int, i: a.int };
  if ('float' in a) return { name, type: ATTR_TYPE.float, f: a.float };
  if ('ints' in a) return { name, type: ATTR_TYPE.ints, ints: [...a.ints] };
  if ('floats' in a) return { name, type: ATTR_TYPE.floats, floats: [...a.floats] };
  return { name, type: ATTR_TYPE.string, s: new TextEncoder().encode(a.string) };
}

function valueInfo(name: string, t: ValueType): Record<string, unknown> {
  const dim = t.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: ONNX_ELEM_TYPE[t.dtype], shape: { dim } } } };
}

/**
 * Builds one ONNX graph. Values are named strings: `node()` returns its output's name.
 * @example
 * const g = new OnnxGraph('add');
 * const x = g.input('x', { dtype: 'float32', dims: ['batch', 4] });
 * g.output('y', g.node('Add', [x, g.constFloat([1], [])]), { dtype: 'float32', dims: ['batch', 4] });
 * const bytes = encodeOnnxModel(g);
 */
export class OnnxGraph {
  private readonly inputs: Record<string, unknown>[] = [];
  private readonly outputs: Record<string, unknown>[] = [];
  private readonly nodes: Record<string, unknown>[] = [];
  private readonly inits = new Map<string, Record<string, unknown>>();
  private readonly constants = new Map<string, string>();
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  private claim(name: string, what: string): string {
    if (this.used.has(name)) throw new Error(`ONNX graph ${this.name}: ${what} '${name}' is already defined`);
    this.used.add(name);
    return name;
  }
  /** A fresh value name from a hint (hint, hint_1, hint_2, ...). */
  fresh(hint: string): string {
    let name = hint;
    while (this.used.has(name)) name = `${hint}_${++this.counter}`;
    return this.claim(name, 'value');
  }

  /** Declares a graph input and returns its name. */
  input(name: string, type: ValueType): string {
    this.inputs.push(valueInfo(this.claim(name, 'input'), type));
    return name;
  }

  /** Declares `value` as the graph output `name` (through an Identity node when the names differ). */
  output(name: string, value: string, type: ValueType): void {
    if (value !== name) this.nodes.push({ opType: 'Identity', input: [value], output: [this.claim(name, 'output')], name: `${name}_identity` });
    this.outputs.push(valueInfo(name, type));
  }

  /** Adds weights under `name` (a state-dict key, say); each name once. */
  initializer(name: string, data: TensorData): string {
    this.inits.set(this.claim(name, 'initializer'), tensorProto(name, data));
    return name;
  }

  /** Whether an initializer, input or value of this name exists. */
  has(name: string): boolean {
    return this.used.has(name);
  }

  /** A shared int64 constant (shapes, axes, indices), one initializer per distinct value. */
  constInt64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant(`i64[${dims}]:${values}`, 'const_i64', () => int64Data(values, dims));
  }
  /** A shared float32 constant. */
  constFloat(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant(`f32[${dims}]:${values}`, 'const_f32', () => float32Data(values, dims));
  }
  private constant(key: string, hint: string, make: () => TensorData): string {
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.fresh(hint);
    this.inits.set(name, tensorProto(name, make()));
    this.constants.set(key, name);
    return name;
  }

  /** Appends a node with one output and returns the output's name (named from `hint`, default the op). */
  node(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, hint = op.toLowerCase()): string {
    return this.nodeN(op, inputs, 1, attrs, hint)[0]!;
  }
  /** Appends a node with `n` outputs and returns their names. */
  nodeN(op: string, inputs: readonly string[], n: number, attrs: Record<string, Attr> = {}, hint = op.toLowerCase()): string[] {
    for (const i of inputs) if (i !== '' && !this.used.has(i)) throw new Error(`ONNX graph ${this.name}: ${op} reads '${i}', which is not defined yet`);
    const output = Array.from({ length: n }, () => this.fresh(hint));
    const attribute = Object.entries(attrs).map(([k, a]) => attributeProto(k, a));
    this.nodes.push({ opType: op, input: [...inputs], output, name: `${output[0]}_node`, attribute });
    return output;
  }

  /** The GraphProto object (for protobufjs). */
  toProto(): Record<string, unknown> {
    return { name: this.name, node: this.nodes, initializer: [...this.inits.values()], input: this.inputs, output: this.outputs };
  }
}
