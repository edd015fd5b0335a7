// The dtype variants `zooclip export --dtypes` writes (fp32, fp16, q8 = transformers.js's
// '_quantized') and their verification against libtorch: cosine, max abs difference and zero-shot
// top-1 agreement on a fixed set (src/export/verify.ts).
import { CLIP_GRAPHS, DEFAULT_BOUNDS, exportClipOnnx, formatVerification, verifyClipOnnx, type ExportedGraph } from '../../export/index.js';
import type { CLIP } from '../../models/clip.js';
import { DEFAULT_TOLERANCE, verificationSet } from './verify.js';

/** Every dtype name `--dtypes` knows (transformers.js suffixes: fp32 '', fp16 '_fp16', q8 '_quantized'). */
export const EXPORT_DTYPES = ['fp32', 'fp16', 'q8'] as const;
export type ExportDtype = (typeof EXPORT_DTYPES)[number];

/**
 * Checks `--dtypes` names: known, fp32 among them (verification and the transformers.js default
 * need it); returns them unique, in EXPORT_DTYPES order.
 * @example parseExportDtypes(['q8', 'fp32']) // ['fp32', 'q8']; parseExportDtypes(['fp16']) throws 'must include fp32'
 */
export function parseExportDtypes(names: readonly string[]): ExportDtype[] {
  for (const n of names) {
    if (!(EXPORT_DTYPES as readonly string[]).includes(n)) throw new Error(`export: --dtypes: unknown dtype '${n}' (known: ${EXPORT_DTYPES.join(', ')})`);
  }
  if (!names.includes('fp32')) throw new Error('export: --dtypes must include fp32 (the variants are checked against it and transformers.js loads it by default)');
  return EXPORT_DTYPES.filter((d) => names.includes(d));
}

/**
 * Writes vision_model / text_model / model in each dtype into `onnxDir`; returns the files written
 * (with `dataFile` where the weights went to an external `<file>_data`: `externalData` 'auto' does
 * that only past protobuf's 2 GiB, 'always' for every graph).
 * @example writeClipGraphs(model, 'tmp/onnx', ['fp32', 'q8']).map((f) => f.file) // ['tmp/onnx/vision_model.onnx', 'tmp/onnx/vision_model_quantized.onnx', ...]
 */
export function writeClipGraphs(model: CLIP, onnxDir: string, dtypes: readonly ExportDtype[], externalData: 'auto' | 'always' | 'never' = 'auto'): ExportedGraph[] {
  return exportClipOnnx(model, onnxDir, CLIP_GRAPHS, { dtypes, externalData: { mode: externalData } });
}

/**
 * The verification of the non-fp32 variants (verifyClipOnnx's report, its lines for a terminal and
 * the lines of the variants that failed), or undefined when only fp32 was written (fp32 is verified
 * graph by graph in verify.ts; here it is the reference row, held to the same `tolerance`).
 * @example const extra = await verifyDtypeVariants(model, 'tmp/onnx', ['fp32', 'q8']); extra?.pass
 */
export async function verifyDtypeVariants(model: CLIP, onnxDir: string, dtypes: readonly ExportDtype[], tolerance = DEFAULT_TOLERANCE): Promise<{ pass: boolean; report: unknown; lines: string[]; failed: string[] } | undefined> {
  if (dtypes.every((d) => d === 'fp32')) return undefined;
  const set = verificationSet(model);
  try {
    // fp32 stays in the report as the reference row, held to the export's --tolerance like the graph checks
    const bounds = { fp32: { ...DEFAULT_BOUNDS.fp32, maxAbs: tolerance } };
    const report = await verifyClipOnnx(model, onnxDir, { images: set.images, prompts: set.prompts }, { dtypes, bounds });
    const lines = formatVerification(report);
    const failed = lines.slice(1).filter((_, i) => !report.dtypes[i]!.pass).map((l) => l.trim());  // lines: a header, then one per dtype
    return { pass: report.pass, report, lines, failed };
  } finally {
    set.images.dispose(); set.prompts.dispose();
  }
}
