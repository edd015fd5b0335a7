// The .tar shards of a folder: sorted full paths, none for a missing folder or a file.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The `.tar` files directly in `dir` (hidden temp files excluded), sorted; [] when `dir` is missing or not a folder.
 * @example tarsIn('data/synth/web') // ['data/synth/web/web-000000.tar', ...]
 */
export function tarsIn(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.tar') && !f.startsWith('.')).sort().map((f) => join(dir, f));
}
