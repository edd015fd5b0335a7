// `zooclip export`: one folder holding the model for other runtimes (the contract in docs/export.md):
// transformers.js metadata, ONNX graphs (CLIP towers, combined model, dense heads with their specs),
// optionally the open_clip safetensors, and zooclip_export.json. Written in a staging folder beside
// the target, verified against libtorch, then swapped into place: a failure or a kill leaves the
// target as it was. Rerunning with the same model and options changes nothing ('up to date').
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseTempName, tempPathFor, writeFileAtomic, writeFolderAtomic } from '../../io/atomic.js';
import { saveOpenClip } from '../../models/open_clip_folder.js';
import { clipHeadSources, exportDenseOnnx, externalDataFormat, type DenseHeadSource, type ExportedGraph } from '../../export/index.js';
import { transformersJsMetadata } from '../../export/hf/index.js';
import { parseTaskName, type DenseTaskName } from '../../tasks/index.js';
import { type ExportDtype, parseExportDtypes, verifyDtypeVariants, writeClipGraphs } from './dtypes.js';
import { type ExportManifest, type ManifestOptions, MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, changedFiles, listFiles, readExportManifest, sameOptions } from './manifest.js';
import { type AttachHeads, type ExportModel, loadExportModel } from './model.js';
import { DEFAULT_TOLERANCE, type ExportVerification, verifyExportGraphs } from './verify.js';

/** What `--formats` accepts. */
export const EXPORT_FORMATS = ['onnx', 'safetensors'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Settings of runExport (the CLI's options). */
export interface ExportOptions {
  /** A checkpoint folder, a run folder, an open_clip folder or a config name (random init). */
  model: string;
  out: string;
  formats?: readonly string[];
  dtypes?: readonly string[];
  /** Heads to export (default: every head the checkpoint has); [] = none. */
  heads?: readonly string[];
  /** CLIP graphs' weights in `<file>_data` side files: 'auto' (default: only past protobuf's 2 GiB), 'always', 'never'. */
  externalData?: 'auto' | 'always' | 'never';
  /** Replace a folder holding another model's export (or rewrite the same one). */
  force?: boolean;
  /** Max abs difference onnxruntime vs libtorch (default 1e-4; logits x exp(logit_scale)). */
  tolerance?: number;
  ema?: boolean;
  seed?: number;
  attachHeads?: AttachHeads;
}

/** What runExport did. */
export interface ExportResult {
  status: 'written' | 'up-to-date' | 'failed';
  out: string;
  manifest: ExportManifest;
  /** Verification failed: each graph or dtype variant over its bound, with the measure that failed (the target is left as it was). */
  failed: string[];
  /** Lines of the dtype variants' verification to print (empty for fp32 only or when up to date). */
  notes: string[];
}

/** What the target folder holds now: nothing, or an export (its manifest). Anything else is refused. */
function inspectTarget(out: string): ExportManifest | undefined {
  if (!existsSync(out)) return undefined;
  if (!statSync(out).isDirectory()) throw new Error(`export: --out ${out} is a file, not a folder`);
  const m = readExportManifest(out);
  if (!m && readdirSync(out).length > 0) throw new Error(`export: --out ${out} is not empty and holds no ${MANIFEST_FILE}: not a zooclip export, so it is left alone (choose another folder or empty it)`);
  return m;
}

function parseList<T extends string>(names: readonly string[], known: readonly T[], what: string): T[] {
  for (const n of names) if (!known.includes(n as T)) throw new Error(`export: --${what}: unknown '${n}' (known: ${known.join(', ')})`);
  return known.filter((k) => names.includes(k));
}

/** The heads to export: those asked for (each must be attached) or all attached. */
function chooseHeads(m: ExportModel, asked: readonly string[] | undefined): DenseTaskName[] {
  if (asked === undefined) return m.tasks;
  const tasks = asked.map((t) => parseTaskName(t, 'export: --heads'));
  const missing = tasks.filter((t) => !m.tasks.includes(t));
  if (missing.length) throw new Error(`export: --heads ${missing.join(',')}: the model has no such head (it has: ${m.tasks.join(', ') || 'none'})`);
  return m.tasks.filter((t) => tasks.includes(t));
}

/** Metadata files for transformers.js (config.json names the graphs whose weights are in `<file>_data`); a toy vocabulary the CLIP tokenizer cannot fill skips them, with the reason. */
function writeMetadata(m: ExportModel, dir: string, graphs: readonly ExportedGraph[]): ExportManifest['transformers_js'] {
  let files: Record<string, string>;
  const external = externalDataFormat(graphs);
  try {
    files = transformersJsMetadata(m.model, Object.keys(external).length ? { transformersJsConfig: { use_external_data_format: external } } : {});
  } catch (e) {
    if (!/vocab_size/.test((e as Error).message)) throw e;
    return { written: false, reason: (e as Error).message.replace(/ \([^()]*\/[^()]*\)/g, '') };   // without the vocabulary file's path: the manifest names no local path
  }
  for (const [name, text] of Object.entries(files)) writeFileAtomic(join(dir, name), text);
  return { written: true };
}

function manifestOf(m: ExportModel, dir: string, options: ManifestOptions, verification: unknown, tjs: ExportManifest['transformers_js']): ExportManifest {
  const l = m.loaded, cfg = m.model.cfg;
  return {
    format: MANIFEST_FORMAT, version: MANIFEST_VERSION,
    model: {
      name: l.kind === 'open_clip' ? basename(l.path) : l.modelName, embed_dim: cfg.embed_dim, image_size: m.model.visual.imageSize,
      context_length: cfg.text_cfg.context_length, tower: m.model.visual.constructor.name, sha256: m.sha256,
      source: { kind: l.kind, weights: l.weights, ...(l.step !== undefined ? { step: l.step } : {}) },
    },
    options, files: listFiles(dir), verification, heads: options.heads, transformers_js: tjs,
  };
}

/** Writes everything into `dir` and verifies it; returns the manifest and the graphs that failed. */
async function fillFolder(m: ExportModel, dir: string, options: ManifestOptions, heads: DenseHeadSource[], tolerance: number): Promise<{ manifest: ExportManifest; failed: string[]; notes: string[] }> {
  if (options.formats.includes('safetensors')) saveOpenClip(m.model, dir);       // the weights as trained (keys of the unfolded tower)
  m.model.visual.reparameterize();                                               // folded for the graphs (a no-op for a ViT)
  let verification: { fp32: ExportVerification; variants?: unknown } | null = null;
  const failed: string[] = [], notes: string[] = [], graphs: ExportedGraph[] = [];
  if (options.formats.includes('onnx')) {
    const onnx = join(dir, 'onnx'), dtypes = options.dtypes as ExportDtype[];
    graphs.push(...writeClipGraphs(m.model, onnx, dtypes, options.external_data));
    if (heads.length) exportDenseOnnx(m.model.visual, heads, onnx, m.model.cfg.preprocess_cfg);
    const fp32 = await verifyExportGraphs(m.model, onnx, heads, tolerance);
    const variants = await verifyDtypeVariants(m.model, onnx, dtypes, tolerance);
    verification = { fp32, ...(variants ? { variants: variants.report } : {}) };
    failed.push(...fp32.graphs.filter((g) => !g.pass).map((g) => `${g.file} (onnxruntime differs from libtorch by ${g.maxAbs.toExponential(1)}, beyond ${tolerance})`));
    failed.push(...(variants?.failed ?? []));
    notes.push(...(variants?.lines ?? []));
  }
  // the transformers.js metadata describes the ONNX graphs: a safetensors-only export is open_clip's files alone
  const tjs: ExportManifest['transformers_js'] = options.formats.includes('onnx') ? writeMetadata(m, dir, graphs) : { written: false, reason: 'no onnx format asked for' };
  const manifest = manifestOf(m, dir, options, verification, tjs);
  writeFileAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return { manifest, failed, notes };
}

/** Moves the staged folder's contents into `out` atomically (replacing what is there). */
function commit(staging: string, out: string): void {
  writeFolderAtomic(out, (tmp) => {
    for (const name of readdirSync(staging)) renameSync(join(staging, name), join(tmp, name));
  });
  rmSync(staging, { recursive: true, force: true });
}

/** Whether `pid` is a live process of this host (EPERM: alive, someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/** Removes the staging folders (and swapped-out `.old` folders) that killed exports into `out` left beside it. */
function removeKilledExports(out: string): void {
  for (const f of readdirSync(dirname(out))) {
    const t = parseTempName(f.replace(/\.old$/, ''));
    if (t && t.name === basename(out) && !alive(t.pid)) rmSync(join(dirname(out), f), { recursive: true, force: true });
  }
}

/** Refuses another model's export without force; true when the folder is already this export. */
function upToDate(out: string, old: ExportManifest | undefined, m: ExportModel, options: ManifestOptions, force: boolean, tolerance: number): boolean {
  if (!old) return false;
  if (old.model.sha256 !== m.sha256 && !force) {
    throw new Error(`export: ${out} holds an export of a different model (${old.model.name}, sha256 ${old.model.sha256.slice(0, 12)}; this one ${m.sha256.slice(0, 12)}); pass --force to replace it`);
  }
  return !force && old.model.sha256 === m.sha256 && sameOptions(options, old.options) && verifiedWithin(old, options, tolerance) && changedFiles(out, old).length === 0;
}

/** Whether the old export's graphs were verified to `tolerance` or tighter (a safetensors-only export has none to verify). */
function verifiedWithin(old: ExportManifest, options: ManifestOptions, tolerance: number): boolean {
  if (!options.formats.includes('onnx')) return true;
  const verifiedAt = (old.verification as { fp32?: { tolerance?: unknown } } | null)?.fp32?.tolerance;
  return typeof verifiedAt === 'number' && verifiedAt <= tolerance;
}

/**
 * Exports a model into `o.out` (see the module comment); resolves with what it did. Verification
 * failure leaves `o.out` untouched and resolves with status 'failed' and the graphs that failed.
 * @example const r = await runExport({ model: 'runs/train', out: 'exports/tiny', formats: ['onnx'], dtypes: ['fp32'] }); // r.status === 'written'
 */
export async function runExport(o: ExportOptions): Promise<ExportResult> {
  if (o.externalData !== undefined && !['auto', 'always', 'never'].includes(o.externalData)) throw new Error(`export: --external-data ${String(o.externalData)}: expected auto, always or never`);
  const out = resolve(o.out), formats = parseList(o.formats ?? ['onnx'], EXPORT_FORMATS, 'formats'), dtypes = parseExportDtypes(o.dtypes ?? ['fp32']);
  if (!formats.length) throw new Error('export: --formats is empty (onnx, safetensors)');
  const old = inspectTarget(out);
  const m = loadExportModel(o.model, { ema: o.ema, seed: o.seed, attachHeads: o.attachHeads });
  try {
    const tasks = formats.includes('onnx') ? chooseHeads(m, o.heads) : [];
    const options: ManifestOptions = { formats, dtypes, heads: tasks, ...(o.externalData && o.externalData !== 'auto' ? { external_data: o.externalData } : {}) };
    const tolerance = o.tolerance ?? DEFAULT_TOLERANCE;
    if (upToDate(out, old, m, options, o.force ?? false, tolerance)) return { status: 'up-to-date', out, manifest: old!, failed: [], notes: [] };
    const heads = tasks.length ? clipHeadSources(m.model, { seg: m.classes, det: m.classes }).filter((h) => tasks.includes(h.task)) : [];
    mkdirSync(dirname(out), { recursive: true });
    removeKilledExports(out);
    const staging = tempPathFor(out);
    mkdirSync(staging);
    try {
      const { manifest, failed, notes } = await fillFolder(m, staging, options, heads, tolerance);
      if (failed.length) return { status: 'failed', out, manifest, failed, notes };
      commit(staging, out);
      return { status: 'written', out, manifest, failed, notes };
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  } finally {
    m.model.dispose();
  }
}
