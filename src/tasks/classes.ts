// Class names of a labelled data folder, as data: the folder's synth.json records the classes its
// seg ids and det labels stand for, so general code never imports the synthetic world's list.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The file (in a data root) that names the label classes, and its key. */
export const CLASSES_FILE = 'synth.json';

/**
 * The label classes recorded in `<root>/synth.json` (`classes`: seg ids and det labels index it).
 * @example labelClasses('data/synth').length  // 7 for the synthetic world
 */
export function labelClasses(root: string): string[] {
  const path = join(root, CLASSES_FILE);
  if (!existsSync(path)) throw new Error(`${path}: not found (the label classes of ${root} are read from it; pass classes explicitly for other data)`);
  let rec: unknown;
  try { rec = JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new Error(`${path}: not JSON (${(e as Error).message})`); }
  const c = (rec as { classes?: unknown } | null)?.classes;
  if (!Array.isArray(c) || c.length === 0 || !c.every((x) => typeof x === 'string')) {
    throw new Error(`${path}: key 'classes' must be a non-empty array of class names (rerun zooclip synth to record it), got ${JSON.stringify(c)}`);
  }
  return c as string[];
}
