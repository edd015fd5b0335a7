// zooclip_export.json, the manifest of an export folder: the model (with a fingerprint of its
// weights), the options it was written with, every file with its size and sha256, the verification
// report and the heads. It holds nothing time- or path-dependent, so the same model and options give
// the same manifest.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const MANIFEST_FILE = 'zooclip_export.json';
export const MANIFEST_FORMAT = 'zooclip-export';
export const MANIFEST_VERSION = 1;

/** One file of the folder (path relative to it, POSIX separators). */
export interface ManifestFile { path: string; bytes: number; sha256: string }

/** What the folder was written with: together with model.sha256, what makes a rerun 'up to date'. */
export interface ManifestOptions {
  formats: string[]; dtypes: string[]; heads: string[];
  /** Where graph weights go: 'auto' (a side file only past protobuf's limit), 'always', 'never'; absent = 'auto'. */
  external_data?: 'auto' | 'always' | 'never';
}

/** The manifest (see docs/export.md). */
export interface ExportManifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  model: { name: string; embed_dim: number; image_size: number; context_length: number; tower: string; sha256: string; source: { kind: string; weights: string; step?: number } };
  options: ManifestOptions;
  files: ManifestFile[];
  verification: unknown;
  heads: string[];
  /** Whether the transformers.js metadata files are there, or why not. */
  transformers_js: { written: boolean; reason?: string };
}

/**
 * sha256 (hex) of a file's contents.
 * @example fileSha256('out/onnx/model.onnx') // 'e3b0c442...'
 */
export function fileSha256(path: string): string {
  // read in chunks: external-data side files exist for models past 2 GiB, which readFileSync cannot hold
  const hash = createHash('sha256'), buf = Buffer.allocUnsafe(1 << 22), fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * Every file under `dir` except the manifest, sorted by path, with bytes and sha256.
 * @example listFiles('out') // [{ path: 'config.json', bytes: 1234, sha256: '...' }, { path: 'onnx/model.onnx', ... }]
 */
export function listFiles(dir: string, prefix = ''): ManifestFile[] {
  const out: ManifestFile[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else if (rel !== MANIFEST_FILE) out.push({ path: rel, bytes: statSync(join(dir, rel)).size, sha256: fileSha256(join(dir, rel)) });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The manifest of `dir`, undefined when it has none; an unreadable or foreign one is an error naming the file.
 * @example readExportManifest('out')?.model.sha256
 */
export function readExportManifest(dir: string): ExportManifest | undefined {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return undefined;
  let m: Partial<ExportManifest>;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as Partial<ExportManifest>;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (m?.format !== MANIFEST_FORMAT) throw new Error(`${path}: 'format' is ${JSON.stringify(m?.format)}, not '${MANIFEST_FORMAT}'`);
  if (m.version !== MANIFEST_VERSION) throw new Error(`${path}: 'version' ${JSON.stringify(m.version)} is not supported (this zooclip reads ${MANIFEST_VERSION})`);
  if (typeof m.model?.sha256 !== 'string' || !Array.isArray(m.files)) throw new Error(`${path}: no model.sha256 or files list`);
  return m as ExportManifest;
}

/**
 * The files of the manifest that are missing or differ (size or sha256) in `dir`; [] when all are intact.
 * @example changedFiles('out', manifest) // ['onnx/model.onnx']
 */
export function changedFiles(dir: string, m: ExportManifest): string[] {
  return m.files.filter((f) => {
    const p = join(dir, f.path);
    return !existsSync(p) || statSync(p).size !== f.bytes || fileSha256(p) !== f.sha256;
  }).map((f) => f.path);
}

/**
 * Whether two option sets are the same (order-insensitive).
 * @example sameOptions({ formats: ['onnx'], dtypes: ['fp32'], heads: [] }, m.options)
 */
export function sameOptions(a: ManifestOptions, b: ManifestOptions | undefined): boolean {
  const key = (o: ManifestOptions) => JSON.stringify([[...o.formats].sort(), [...o.dtypes].sort(), [...o.heads].sort(), o.external_data ?? 'auto']);
  return b !== undefined && key(a) === key(b);
}
