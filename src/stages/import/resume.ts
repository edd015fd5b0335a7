// Where an import restarts: the shards its manifest lists as complete (and present at their
// recorded size) are kept; everything after them, and any leftover temp file, is removed.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';
import { readManifest, type ShardEntry } from '../../data/shards/manifest.js';
import { shardName } from '../../data/shards/writer.js';
import type { SkipSummary } from '../../data/shards/skips.js';
import { readJsonFile } from '../../config/json_file.js';

/** What identifies an import, stored as `${prefix}-import.json` in the output folder, with the last run's counts. */
export interface ImportState { version: 1; items: number; fingerprint: string; shardSize: number; lastRun?: ImportRunCounts }

/** What a run read, wrote and skipped (by reason). */
export interface ImportRunCounts { read: number; written: number; skipped: SkipSummary }

/** Where to go on: shards to keep, the first input index not yet in them, files removed. */
export interface ResumePlan { existing: ShardEntry[]; nextItem: number; removed: string[]; complete: boolean }

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Checks that `out` holds nothing or an earlier run of the same import, and plans the restart.
 * @example const plan = planResume('shards', 'data', state); // plan.nextItem === 0 on a fresh folder
 */
export function planResume(out: string, prefix: string, state: ImportState): ResumePlan {
  mkdirSync(out, { recursive: true });
  const statePath = join(out, `${prefix}-import.json`);
  const manifest = readManifest(out, prefix);
  if (existsSync(statePath)) {
    const old = readJsonFile(statePath, 'import state') as ImportState;
    if (old.items !== state.items || old.fingerprint !== state.fingerprint || old.shardSize !== state.shardSize) {
      throw new Error(`${statePath}: this folder holds an import of a different input or shard size (${old.items} images, shard size ${old.shardSize}; now ${state.items}, ${state.shardSize}); use another --out or --prefix, or delete it`);
    }
  } else if (manifest) {
    throw new Error(`${out}: holds shards with prefix '${prefix}' that no import made (no ${prefix}-import.json); use another --out or --prefix`);
  } else writeFileAtomic(statePath, JSON.stringify(state, null, 1) + '\n');
  const existing: ShardEntry[] = [];
  for (const [i, s] of (manifest?.shards ?? []).entries()) {
    const p = join(out, s.name);
    if (s.name !== shardName(prefix, i) || !existsSync(p) || statSync(p).size !== s.bytes || !/^\d+$/.test(s.lastKey)) break;
    existing.push(s);
  }
  const keep = new Set(existing.map((s) => s.name));
  const mine = new RegExp(`^(${escape(prefix)}-\\d{6}\\.tar|\\.${escape(prefix)}-\\d{6}\\.tar\\..*\\.tmp)$`);
  const removed: string[] = [];
  for (const f of readdirSync(out)) {
    if (mine.test(f) && !keep.has(f)) { rmSync(join(out, f), { force: true }); removed.push(f); }
  }
  const complete = manifest?.complete === true && existing.length === manifest.shards.length;
  const nextItem = existing.length > 0 ? Number(existing[existing.length - 1].lastKey) + 1 : 0;
  return { existing, nextItem: complete ? state.items : nextItem, removed, complete };
}

/**
 * Records a finished run's counts in `${prefix}-import.json` (next to the identity a rerun checks).
 * @example recordImportRun('shards', 'data', { read: 30, written: 28, skipped: stats.toJSON() });
 */
export function recordImportRun(out: string, prefix: string, counts: ImportRunCounts): void {
  const statePath = join(out, `${prefix}-import.json`);
  const state = readJsonFile(statePath, 'import state') as ImportState;
  writeFileAtomic(statePath, JSON.stringify({ ...state, lastRun: counts }, null, 1) + '\n');
}
