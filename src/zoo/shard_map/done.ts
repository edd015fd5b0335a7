// Per-shard completion records of a shard-to-shard stage. A marker `<shard>.done.json` is written
// (atomically) only after the output shard has been renamed into place, so a shard with a valid
// marker is complete; anything else under that name (a shard without a marker, temp files of an
// interrupted writer) is leftover work to redo.
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';
import type { SkipSummary } from '../../data/shards/skips.js';

/** What a marker records. */
export interface DoneRecord {
  format: 'zooclip-shard-done';
  version: 1;
  /** The stage that wrote the shard ('caption', 'label', ...). */
  stage: string;
  input: string;
  /** Samples written, samples of the input skipped (unreadable or undecodable). */
  samples: number;
  skipped: number;
  /** The skips by reason (markers before this field was added lack it). */
  skips?: SkipSummary;
  bytes: number;
  sha256: string;
  /** The stage's settings that shape the output (model, options); a rerun must match them. */
  settings: unknown;
}

/** The marker path of an output shard. */
export function donePath(output: string): string {
  return `${output}.done.json`;
}

/**
 * The marker of a finished output shard, or undefined when the shard is not finished (no marker,
 * unreadable marker, missing shard, or a shard whose size differs from the recorded one).
 */
export function readDone(output: string): DoneRecord | undefined {
  const p = donePath(output);
  if (!existsSync(p) || !existsSync(output)) return undefined;
  try {
    const r = JSON.parse(readFileSync(p, 'utf8')) as DoneRecord;
    if (r.format !== 'zooclip-shard-done' || r.version !== 1 || statSync(output).size !== r.bytes) return undefined;
    return r;
  } catch {
    return undefined;
  }
}

/** Records a finished shard (after its rename). */
export function writeDone(output: string, r: Omit<DoneRecord, 'format' | 'version'>): void {
  writeFileAtomic(donePath(output), JSON.stringify({ format: 'zooclip-shard-done', version: 1, ...r }, null, 1) + '\n');
}

/**
 * Removes what an interrupted run left for this output shard: its temp files (`.<name>.*.tmp`,
 * the shard writer's and the marker's), and the shard and marker themselves unless finished.
 * Returns the removed paths. Only this shard's names are touched, so ranks sharing a folder are safe.
 */
export function clearUnfinished(output: string): string[] {
  const dir = dirname(output), name = basename(output), removed: string[] = [];
  if (!existsSync(dir)) return removed;
  const marker = basename(donePath(output));
  for (const f of readdirSync(dir)) {
    if ((f.startsWith(`.${name}.`) || f.startsWith(`.${marker}.`)) && f.endsWith('.tmp')) {
      rmSync(join(dir, f), { force: true });
      removed.push(join(dir, f));
    }
  }
  if (!readDone(output)) {
    for (const p of [output, donePath(output)]) {
      if (existsSync(p)) { rmSync(p, { force: true }); removed.push(p); }
    }
  }
  return removed;
}

/** Stable JSON (sorted object keys), to compare settings. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
