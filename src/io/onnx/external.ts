// ONNX external data: initializers moved out of the .onnx file into a side file `<file>_data`
// (TensorProto data_location EXTERNAL with external_data location / offset / length, the location
// relative to the model's folder). A ModelProto must stay under protobuf's 2 GiB, so models whose
// weights come near it (ViT-L, MobileCLIP-L) keep their large tensors there. transformers.js looks for
// exactly `<name><suffix>.onnx_data` beside the model; onnxruntime reads it from the model's folder.
import { basename } from 'node:path';
import type { GraphProto, TensorProto } from './graph_proto.js';

/** When to move initializers out: 'auto' when they exceed `limitBytes`, or always, or never. */
export type ExternalDataMode = 'auto' | 'always' | 'never';

/** Options of splitExternalData (and of writeOnnxModel's `externalData`). */
export interface ExternalDataOptions {
  mode?: ExternalDataMode;
  /** Tensors smaller than this stay inside the model (default 1024 bytes, as ONNX's own converter). */
  minTensorBytes?: number;
  /** 'auto' moves data out when the initializers total more than this (default 1.8e9: protobuf's 2 GiB less room for the graph). */
  limitBytes?: number;
}

/** The TensorProto.DataLocation code of EXTERNAL. */
const EXTERNAL = 1;
/** Tensors of 1 MiB or more start at a multiple of 4096 in the side file (page-aligned, so a runtime may map them). */
const ALIGN = 4096, ALIGN_FROM = 1 << 20;

/** A graph whose large initializers live in a side file: the graph and the side file's pieces in order. */
export interface SplitGraph { graph: GraphProto; location: string; chunks: Uint8Array[]; dataBytes: number }

function shouldSplit(g: GraphProto, o: ExternalDataOptions): boolean {
  const mode = o.mode ?? 'auto';
  if (mode !== 'auto') return mode === 'always';
  return g.initializer.reduce((s, t) => s + (t.rawData?.byteLength ?? 0), 0) > (o.limitBytes ?? 1.8e9);
}

/**
 * Moves the initializers of at least `minTensorBytes` to the side file `<basename(file)>_data` when
 * the options ask for it; null when the model keeps all its data.
 * @example const split = splitExternalData(proto, 'onnx/vision_model.onnx', { mode: 'always' });
 */
export function splitExternalData(g: GraphProto, file: string, o: ExternalDataOptions = {}): SplitGraph | null {
  if (!shouldSplit(g, o)) return null;
  const location = `${basename(file)}_data`, chunks: Uint8Array[] = [];
  let offset = 0;
  const initializer = g.initializer.map((t): TensorProto => {
    const data = t.rawData;
    if (!data || data.byteLength < (o.minTensorBytes ?? 1024)) return t;
    const pad = data.byteLength >= ALIGN_FROM ? (ALIGN - (offset % ALIGN)) % ALIGN : 0;
    if (pad) chunks.push(new Uint8Array(pad));
    offset += pad;
    chunks.push(data);
    const entry = [{ key: 'location', value: location }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(data.byteLength) }];
    offset += data.byteLength;
    return { name: t.name, dims: t.dims, dataType: t.dataType, dataLocation: EXTERNAL, externalData: entry };
  });
  return { graph: { ...g, initializer }, location, chunks, dataBytes: offset };
}
