// The ordered list of images to import: a folder walk (sidecar `.txt` captions) or the rows of a
// caption table. The order fixes every sample's key, which is what makes resuming exact.
import { readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { isAbsolute, join, relative, sep } from 'node:path';
import { loadCaptionTable } from './captions.js';
import { imageField } from './images.js';

/** One image to import. `caption` is undefined in sidecar mode (read at import time). */
export interface ImportItem { file: string; rel: string; field: 'jpg' | 'png' | 'webp' | undefined; caption?: string; sidecar?: string }

/** Every image under `root`, sorted by relative path (POSIX separators), hidden entries skipped. */
function walk(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (imageField(e.name)) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  visit(root);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Lists the images to import, in order: from `captions` (a table) when given, else every image
 * under `root` with the `.txt` next to it as caption.
 * @example listInputs('photos') // [{ file: 'photos/a/1.jpg', rel: 'a/1.jpg', field: 'jpg', sidecar: 'photos/a/1.txt' }, ...]
 */
export function listInputs(root: string, captions?: string): ImportItem[] {
  if (captions) {
    return loadCaptionTable(captions).map((r) => ({
      file: isAbsolute(r.path) ? r.path : join(root, r.path),
      rel: r.path,
      field: imageField(r.path),
      caption: r.caption,
    }));
  }
  return walk(root).map((rel) => {
    const file = join(root, rel);
    return { file, rel, field: imageField(rel), sidecar: file.replace(/\.[^./]+$/, '.txt') };
  });
}

/** A fingerprint of the list (paths and table captions), to refuse resuming a different input. */
export function listFingerprint(items: ImportItem[]): string {
  const h = createHash('sha256');
  for (const it of items) h.update(`${it.rel}\0${it.caption ?? ''}\n`);
  return h.digest('hex');
}
