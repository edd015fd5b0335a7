// An ONNX model file: a graph wrapped in a ModelProto (IR version, opset import, producer,
// metadata) and written atomically.
import { writeFileAtomic } from '../atomic.js';
import type { OnnxGraph } from './graph.js';
import { encodeModelProto } from './proto.js';

/** The default operator set: 17 has LayerNormalization, and every onnxruntime since 1.13 runs it. */
export const DEFAULT_OPSET = 17;

/** The lowest opset of the default domain that each IR version introduced (ONNX's versioning table). */
const IR_FROM_OPSET: readonly [opset: number, ir: number][] = [[23, 11], [21, 10], [19, 9], [15, 8], [12, 7], [11, 6], [10, 5], [9, 4], [7, 3]];

/**
 * The IR version that goes with an opset of the default domain.
 * @example irVersionFor(17) // 8
 */
export function irVersionFor(opset: number): number {
  const row = IR_FROM_OPSET.find(([from]) => opset >= from);
  if (!row || opset > 23) throw new Error(`ONNX opset ${opset}: zooclip writes opsets 7 to 23`);
  return row[1];
}

/** Options of encodeOnnxModel / writeOnnxModel. */
export interface OnnxModelOptions {
  opset?: number;
  producerVersion?: string;
  docString?: string;
  /** Key/value strings stored in the model's metadata_props. */
  metadata?: Record<string, string>;
}

/**
 * The bytes of an ONNX model holding `graph`.
 * @example const bytes = encodeOnnxModel(graph, { metadata: { model: 'zooclip-tiny' } });
 */
export function encodeOnnxModel(graph: OnnxGraph, o: OnnxModelOptions = {}): Uint8Array {
  const opset = o.opset ?? DEFAULT_OPSET;
  return encodeModelProto({
    irVersion: irVersionFor(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'zooclip',
    producerVersion: o.producerVersion ?? '',
    docString: o.docString ?? '',
    graph: graph.toProto(),
    metadataProps: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
}

/**
 * Writes `graph` as an ONNX file, atomically (a reader never sees half a model); returns its size in bytes.
 * @example const bytes = writeOnnxModel('out/onnx/vision_model.onnx', graph);
 */
export function writeOnnxModel(file: string, graph: OnnxGraph, o: OnnxModelOptions = {}): number {
  const bytes = encodeOnnxModel(graph, o);
  writeFileAtomic(file, bytes);
  return bytes.byteLength;
}
