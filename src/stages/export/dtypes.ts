// The dtype variants `zooclip export --dtypes` writes. THE ONE PLACE to connect the fp16 / q8
// variants of branch wip-14-dtypes: when its `exportClipOnnx(model, dir, graphs, { dtypes })` and
// `verifyClipOnnx` are merged, add 'fp16' and 'q8' to BUILD_DTYPES, pass `{ dtypes }` in
// writeClipGraphs and return verifyClipOnnx's report (with formatVerification's lines, on
// verify.ts's verificationSet) from verifyDtypeVariants. Nothing else changes (docs/export.md has the diff).
import { CLIP_GRAPHS, exportClipOnnx } from '../../export/index.js';
import type { CLIP } from '../../models/clip.js';

/** Every dtype name `--dtypes` knows (transformers.js suffixes: fp32 '', fp16 '_fp16', q8 '_quantized'). */
export const EXPORT_DTYPES = ['fp32', 'fp16', 'q8'] as const;
export type ExportDtype = (typeof EXPORT_DTYPES)[number];

/** The dtypes this build writes (fp16 and q8 arrive with wip-14-dtypes). */
export const BUILD_DTYPES: readonly ExportDtype[] = ['fp32'];

/**
 * Checks `--dtypes` names: known, written by this build, fp32 among them (verification and the
 * transformers.js default need it); returns them unique, in EXPORT_DTYPES order.
 * @example parseExportDtypes(['fp32']) // ['fp32']; parseExportDtypes(['fp16']) throws 'not supported in this build'
 */
export function parseExportDtypes(names: readonly string[]): ExportDtype[] {
  for (const n of names) {
    if (!(EXPORT_DTYPES as readonly string[]).includes(n)) throw new Error(`export: --dtypes: unknown dtype '${n}' (known: ${EXPORT_DTYPES.join(', ')})`);
    if (!BUILD_DTYPES.includes(n as ExportDtype)) throw new Error(`export: --dtypes ${n}: not supported in this build (it writes ${BUILD_DTYPES.join(', ')})`);
  }
  if (!names.includes('fp32')) throw new Error('export: --dtypes must include fp32 (the variants are checked against it and transformers.js loads it by default)');
  return EXPORT_DTYPES.filter((d) => names.includes(d));
}

/**
 * Writes vision_model / text_model / model in each dtype into `onnxDir`; returns the files written.
 * @example writeClipGraphs(model, 'tmp/onnx', ['fp32']) // ['tmp/onnx/vision_model.onnx', ...]
 */
export function writeClipGraphs(model: CLIP, onnxDir: string, dtypes: readonly ExportDtype[]): string[] {
  if (dtypes.some((d) => !BUILD_DTYPES.includes(d))) throw new Error(`export: dtypes ${dtypes.join(', ')}: this build writes ${BUILD_DTYPES.join(', ')}`);
  return exportClipOnnx(model, onnxDir, CLIP_GRAPHS).map((f) => f.file);
}

/**
 * The verification of the non-fp32 variants (wip-14-dtypes' verifyClipOnnx report), or undefined
 * when only fp32 was written (fp32 is verified graph by graph in verify.ts).
 * @example const extra = await verifyDtypeVariants(model, 'tmp/onnx', ['fp32']); // undefined
 */
export async function verifyDtypeVariants(_model: CLIP, _onnxDir: string, dtypes: readonly ExportDtype[]): Promise<{ pass: boolean; report: unknown; lines: string[] } | undefined> {
  if (dtypes.every((d) => d === 'fp32')) return undefined;
  throw new Error(`export: verification of ${dtypes.join(', ')} is not in this build`);
}
