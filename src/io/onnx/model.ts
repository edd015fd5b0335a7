// An ONNX model file: a graph wrapped in a ModelProto (IR version, opset import, producer,
// metadata) and written atomically.
import { existsSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeAll, writeAtomic, writeFileAtomic } from '../atomic.js';
import { OnnxGraph } from './graph.js';
import type { GraphProto } from './graph_proto.js';
import { type ExternalDataOptions, splitExternalData } from './external.js';
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
  /** Large initializers in a side file `<file>_data` (writeOnnxModel only; default: when the model would pass 1.8 GB). */
  externalData?: ExternalDataOptions;
}

/**
 * The bytes of an ONNX model holding `graph`.
 * @example const bytes = encodeOnnxModel(graph, { metadata: { model: 'zooclip-tiny' } });
 */
export function encodeOnnxModel(graph: OnnxGraph | GraphProto, o: OnnxModelOptions = {}): Uint8Array {
  const opset = o.opset ?? DEFAULT_OPSET;
  return encodeModelProto({
    irVersion: irVersionFor(opset),
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'zooclip',
    producerVersion: o.producerVersion ?? '',
    docString: o.docString ?? '',
    graph: graph instanceof OnnxGraph ? graph.toProto() : graph,
    metadataProps: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
}

/** The files of one written model: the .onnx and, when its large initializers moved out, the side file. */
export interface WrittenOnnx { file: string; bytes: number; dataFile?: string; dataBytes?: number }

/**
 * Writes `graph` as an ONNX file, atomically (a reader never sees half a model), with its large
 * initializers in `<file>_data` when `o.externalData` asks for it (by default when the model would
 * pass 1.8 GB); the side file is written first, and a stale one is removed when the model holds its data.
 * @example const { bytes, dataBytes } = writeOnnxFiles('out/onnx/vision_model.onnx', graph, { externalData: { mode: 'always' } });
 */
export function writeOnnxFiles(file: string, graph: OnnxGraph | GraphProto, o: OnnxModelOptions = {}): WrittenOnnx {
  const proto = graph instanceof OnnxGraph ? (graph.toProto() as unknown as GraphProto) : graph;
  const split = splitExternalData(proto, file, o.externalData);
  const dataFile = join(dirname(file), `${basename(file)}_data`);
  if (split) writeAtomic(dataFile, (fd) => split.chunks.reduce((n, c) => n + writeAll(fd, c), 0));
  else if (existsSync(dataFile)) rmSync(dataFile);
  const bytes = encodeOnnxModel(split?.graph ?? proto, o);
  writeFileAtomic(file, bytes);
  return split ? { file, bytes: bytes.byteLength, dataFile, dataBytes: split.dataBytes } : { file, bytes: bytes.byteLength };
}

/**
 * Writes `graph` as an ONNX file (see writeOnnxFiles); returns the bytes written, side file included.
 * @example const bytes = writeOnnxModel('out/onnx/vision_model.onnx', graph);
 */
export function writeOnnxModel(file: string, graph: OnnxGraph | GraphProto, o: OnnxModelOptions = {}): number {
  const w = writeOnnxFiles(file, graph, o);
  return w.bytes + (w.dataBytes ?? 0);
}
