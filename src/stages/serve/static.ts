// Read-only files of `zooclip serve`: the page (web/), the model folder (/model/...), the
// onnxruntime-web runtime (/lib/ort/...) and zooclip's own tokenizer modules (/lib/zooclip/...).
// A path is decoded once, must stay inside its root after normalisation and after symlinks are
// resolved; '..' segments, NUL bytes and bad escapes are refused.
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { pipeline } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpError } from './http_util.js';

/** The tokenizer modules the page imports; pure JS, no Node or engine imports. */
export const BROWSER_TOKENIZER_FILES = ['bpe.js', 'bytes.js', 'text_clean.js', 'fix_text.js', 'html_unescape.js', 'html_entities.js'];
/** The compiled serve modules the page imports (plain functions, no imports of their own). */
export const BROWSER_SERVE_FILES = ['zero_shot.js'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream', '.png': 'image/png', '.jpg': 'image/jpeg', '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8',
};

/** A URL prefix and the folder it maps to; `only` limits it to those file names. */
export interface StaticRoot { prefix: string; dir: string; only?: readonly string[] }

/**
 * The web/ folder of the installed package (beside dist/ or src/).
 * @example webDir() // '/usr/lib/node_modules/zooclip/web'
 */
export function webDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const found = [join(here, '..', '..', '..', '..', 'web'), join(here, '..', '..', '..', 'web')].find((d) => existsSync(join(d, 'index.html')));
  if (!found) throw new Error(`serve: the page (web/index.html) is not installed beside ${here}`);
  return found;
}

/**
 * The roots the server reads files from, for a model folder.
 * @example staticRoots('out/tiny').map((r) => r.prefix) // ['/model/', '/lib/ort/', '/lib/zooclip/', '/lib/zooclip-serve/', '/']
 */
export function staticRoots(modelDir: string): StaticRoot[] {
  const require = createRequire(import.meta.url);
  const ort = dirname(require.resolve('onnxruntime-web'));
  const here = dirname(fileURLToPath(import.meta.url)), tokenizer = join(here, '..', '..', 'tokenizer');
  return [
    { prefix: '/model/', dir: modelDir }, { prefix: '/lib/ort/', dir: ort },
    { prefix: '/lib/zooclip/', dir: tokenizer, only: BROWSER_TOKENIZER_FILES },
    { prefix: '/lib/zooclip-serve/', dir: here, only: BROWSER_SERVE_FILES }, { prefix: '/', dir: webDir() },
  ];
}

/** The decoded path of a request URL, with '..', NUL and bad escapes refused (403 / 400). */
function decodedPath(url: string): string {
  const raw = url.split('?')[0]!.split('#')[0]!;
  let p: string;
  try {
    p = decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `bad percent-encoding in path '${raw}'`);
  }
  if (!p.startsWith('/') || p.includes('\0') || p.includes('\\')) throw new HttpError(403, `path '${raw}' is not allowed`);
  if (p.split('/').some((s) => s === '..' || s === '.')) throw new HttpError(403, `path '${raw}' leaves the served folders`);
  return p;
}

/**
 * The file a GET path names, checked to lie inside its root after symlinks resolve; 404 when none.
 * @example resolveStatic(roots, '/model/onnx/model.onnx') // '/abs/out/tiny/onnx/model.onnx'
 */
export function resolveStatic(roots: readonly StaticRoot[], url: string): string {
  const p = decodedPath(url);
  const root = roots.find((r) => p.startsWith(r.prefix) || p === r.prefix.slice(0, -1));
  if (!root) throw new HttpError(404, `no such file '${p}'`);
  let rel = p.slice(root.prefix.length);
  if (root.prefix === '/' && (rel === '' || rel.endsWith('/'))) rel += 'index.html';
  if (root.only && !root.only.includes(rel)) throw new HttpError(404, `no such file '${p}'`);
  const file = join(root.dir, ...rel.split('/').filter(Boolean));
  if (!existsSync(file)) throw new HttpError(404, `no such file '${p}'`);
  const real = realpathSync(file), base = realpathSync(root.dir);
  if (!real.startsWith(base + sep)) throw new HttpError(403, `path '${p}' leaves the served folders`);
  if (!statSync(real).isFile()) throw new HttpError(404, `no such file '${p}'`);
  return real;
}

/**
 * Streams a file with its content type.
 * @example sendFile(res, resolveStatic(roots, req.url), req.method === 'HEAD');
 */
export function sendFile(res: ServerResponse, file: string, headOnly: boolean): void {
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': statSync(file).size, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' });
  if (headOnly) res.end();
  // a file that cannot be read after the check (permissions, deleted) ends this answer, never the server
  else pipeline(createReadStream(file), res, (e) => { if (e) res.destroy(e); });
}
