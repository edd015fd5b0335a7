// The dtype variants of an exported graph, named as transformers.js looks them up
// (DEFAULT_DTYPE_SUFFIX_MAPPING: fp32 '', fp16 '_fp16', q8 '_quantized'): which pass makes each.
import { basename } from 'node:path';
import { type GraphProto, quantizeMatMulWeights, toFloat16 } from '../io/onnx/index.js';

/** The variants zooclip writes: float32, float16 (float32 at the edges) and 8-bit MatMul weights. */
export const ONNX_DTYPES = ['fp32', 'fp16', 'q8'] as const;
export type OnnxDtype = (typeof ONNX_DTYPES)[number];

/** The file-name suffix of each variant (`vision_model_quantized.onnx`). */
export const DTYPE_SUFFIX: Readonly<Record<OnnxDtype, string>> = { fp32: '', fp16: '_fp16', q8: '_quantized' };

/**
 * The file name of a graph's variant.
 * @example dtypeFile('vision_model', 'q8') // 'vision_model_quantized.onnx'
 */
export function dtypeFile(graph: string, dtype: OnnxDtype): string {
  return `${graph}${DTYPE_SUFFIX[dtype]}.onnx`;
}

/**
 * Checks a list of dtype names (from a CLI flag or a config) and returns it typed.
 * @example parseDtypes('fp32,fp16,q8'.split(',')) // ['fp32', 'fp16', 'q8']
 */
export function parseDtypes(names: readonly string[]): OnnxDtype[] {
  for (const n of names) if (!(ONNX_DTYPES as readonly string[]).includes(n)) throw new Error(`ONNX dtype '${n}': expected one of ${ONNX_DTYPES.join(', ')}`);
  return [...new Set(names)] as OnnxDtype[];
}

/**
 * A float32 graph in the given variant: fp32 as it is, fp16 by toFloat16, q8 by quantizeMatMulWeights.
 * @example writeOnnxModel('onnx/text_model_fp16.onnx', graphInDtype(graphProtoOf(textGraph(model)), 'fp16'));
 */
export function graphInDtype(g: GraphProto, dtype: OnnxDtype): GraphProto {
  if (dtype === 'fp16') return toFloat16(g);
  if (dtype === 'q8') return quantizeMatMulWeights(g);
  return g;
}

/**
 * config.json's `transformers.js_config.use_external_data_format` for written files: transformers.js
 * fetches `<file>_data` (one chunk) only for the files named there.
 * @example config['transformers.js_config'] = { use_external_data_format: externalDataFormat(files) }; // { 'vision_model.onnx': 1 }
 */
export function externalDataFormat(files: readonly { file: string; dataFile?: string }[]): Record<string, number> {
  return Object.fromEntries(files.filter((f) => f.dataFile).map((f) => [basename(f.file), 1]));
}
