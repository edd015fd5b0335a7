// `zooclip export`: a model folder for other runtimes (transformers.js, onnxruntime, open_clip),
// written atomically and verified against libtorch; see docs/export.md.
import type { Command } from '../command.js';
import type { ExportOptions, ExportResult } from '../../stages/export/run.js';

const list = (v: unknown): string[] | undefined => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

const size = (bytes: number): string => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${bytes} B`);

/** The lines `zooclip export` prints: each file with its size, then each graph's verification. */
function report(r: ExportResult): string[] {
  const m = r.manifest, lines = [`${r.out}: ${m.model.name} (${m.model.tower}, sha256 ${m.model.sha256.slice(0, 12)})`];
  for (const f of m.files) lines.push(`  ${f.path.padEnd(36)} ${size(f.bytes).padStart(10)}`);
  if (!m.transformers_js.written) lines.push(`  (no transformers.js metadata: ${m.transformers_js.reason})`);
  const v = m.verification as { fp32?: { tolerance: number; runtime: string; graphs: { file: string; maxAbs: number; pass: boolean }[] } } | null;
  if (v?.fp32) {
    lines.push(`verification (${v.fp32.runtime}, max abs diff, bound ${v.fp32.tolerance}; logits x exp(logit_scale)):`);
    for (const g of v.fp32.graphs) lines.push(`  ${g.file.padEnd(36)} ${g.maxAbs.toExponential(2).padStart(10)}  ${g.pass ? 'pass' : 'FAIL'}`);
  }
  if (r.notes.length) lines.push('dtype variants (vision_model / text_model vs libtorch fp32 on a fixed zero-shot set):', ...r.notes.map((l) => `  ${l}`));
  return lines;
}

export const exportCmd: Command = {
  help: 'export a checkpoint, run or open_clip folder as a folder transformers.js and onnxruntime load (ONNX graphs, dense heads, metadata; open_clip safetensors); atomic, idempotent, verified',
  spec: {
    model: { type: 'string', help: 'a training checkpoint folder, a run folder (its newest checkpoint), an open_clip folder, or a model config name (random init)' },
    out: { type: 'string', help: 'the export folder (created; replaced only after the new one is verified)' },
    formats: { type: 'string', default: 'onnx', help: 'comma-separated: onnx (graphs + transformers.js metadata), safetensors (open_clip_config.json + open_clip_model.safetensors)' },
    dtypes: { type: 'string', default: 'fp32', help: 'comma-separated ONNX variants: fp32 (required), fp16 (_fp16), q8 (_quantized: int8 weights, dynamic int8 activations)' },
    'external-data': { type: 'string', default: 'auto', help: "graph weights in <file>_data side files: auto (only past protobuf's 2 GiB), always, never; config.json names them for transformers.js" },
    heads: { type: 'string', help: 'dense heads to export (seg,depth,normals,det; default: every head the checkpoint has; "" for none)' },
    force: { type: 'boolean', default: false, help: 'replace a folder holding another model\'s export, or rewrite this one' },
    tolerance: { type: 'number', default: 1e-4, help: 'max abs difference onnxruntime vs libtorch per output (logits: times exp(logit_scale))' },
    'no-ema': { type: 'boolean', default: false, help: "use a checkpoint's raw weights even when it saved EMA weights" },
    seed: { type: 'number', default: 0, help: 'seed of a random-init model (config name)' },
  },
  run: async (o) => {
    if (typeof o.model !== 'string' || !o.model || typeof o.out !== 'string' || !o.out) throw new Error('export: --model <checkpoint | run | open_clip folder> and --out <dir> are required');
    const { runExport } = await import('../../stages/export/run.js');
    const { attachTaskHeads } = await import('../../stages/train/task_heads.js');
    const { resolveConfig } = await import('../../stages/train/config.js');
    const r = await runExport({
      model: o.model, out: o.out, formats: list(o.formats), dtypes: list(o.dtypes), heads: list(o.heads), force: o.force === true,
      externalData: o['external-data'] as ExportOptions['externalData'],
      tolerance: o.tolerance as number | undefined, ema: !o['no-ema'], seed: o.seed as number | undefined,
      attachHeads: (model, cfg) => attachTaskHeads(model, resolveConfig({ base: cfg as never })),
    });
    if (r.status === 'up-to-date') console.log(`${r.out}: up to date (same model and options; ${r.manifest.files.length} files checked)`);
    for (const line of report(r)) console.log(line);
    if (r.status === 'failed') throw new Error(`export: verification failed for ${r.failed.join('; ')}; ${r.out} left as it was`);
    if (r.status === 'written') console.log(`written ${r.manifest.files.length + 1} files; verification passed`);
  },
};
