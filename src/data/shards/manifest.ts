// The manifest written beside a shard set: one entry per completed shard with its size and
// sha256, plus totals. Written atomically after every shard, so it is also the progress record
// that resumable stages (import) restart from.
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';

/** One completed shard. */
export interface ShardEntry {
  name: string;
  samples: number;
  bytes: number;
  sha256: string;
  /** Keys of the first and last samples, in write order. */
  firstKey: string;
  lastKey: string;
}

/** `${prefix}-manifest.json`. `complete` is false while a writer is still running. */
export interface ShardManifest {
  format: 'zooclip-shards';
  version: 1;
  prefix: string;
  complete: boolean;
  shards: ShardEntry[];
  totals: { shards: number; samples: number; bytes: number };
}

/** The manifest's path for a prefix. */
export function manifestPath(dir: string, prefix: string): string {
  return join(dir, `${prefix}-manifest.json`);
}

/** Builds a manifest (totals computed) from its entries. */
export function makeManifest(prefix: string, shards: ShardEntry[], complete: boolean): ShardManifest {
  const totals = { shards: shards.length, samples: 0, bytes: 0 };
  for (const s of shards) { totals.samples += s.samples; totals.bytes += s.bytes; }
  return { format: 'zooclip-shards', version: 1, prefix, complete, shards, totals };
}

/** Writes the manifest atomically. */
export function writeManifest(dir: string, m: ShardManifest): void {
  writeFileAtomic(manifestPath(dir, m.prefix), JSON.stringify(m, null, 1) + '\n');
}

/**
 * Reads and checks `${prefix}-manifest.json` in `dir`; undefined when there is none.
 * @example const m = readManifest('shards', 'data'); console.log(m?.totals.samples);
 */
export function readManifest(dir: string, prefix: string): ShardManifest | undefined {
  const p = manifestPath(dir, prefix);
  if (!existsSync(p)) return undefined;
  let m: ShardManifest;
  try {
    m = JSON.parse(readFileSync(p, 'utf8')) as ShardManifest;
  } catch (e) {
    throw new Error(`shard manifest ${p}: not valid JSON (${(e as Error).message})`);
  }
  if (m?.format !== 'zooclip-shards' || m.version !== 1 || !Array.isArray(m.shards)) throw new Error(`shard manifest ${p}: not a zooclip-shards v1 manifest`);
  for (const [i, s] of m.shards.entries()) {
    const ok = typeof s?.name === 'string' && !s.name.includes('/') && Number.isSafeInteger(s.samples) && Number.isSafeInteger(s.bytes) && /^[0-9a-f]{64}$/.test(String(s.sha256));
    if (!ok) throw new Error(`shard manifest ${p}: entry ${i} (${String(s?.name)}) needs name, samples, bytes and sha256`);
  }
  return m;
}

/** sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** What verifyShards found: one line per problem, naming the shard. */
export interface VerifyReport { ok: boolean; checked: number; problems: string[] }

/**
 * Checks every shard in the manifest: present, of the recorded size, with the recorded sha256.
 * @example
 * const r = await verifyShards('shards', 'data');
 * if (!r.ok) throw new Error(r.problems.join('\n'));
 */
export async function verifyShards(dir: string, prefix: string): Promise<VerifyReport> {
  const m = readManifest(dir, prefix);
  if (!m) return { ok: false, checked: 0, problems: [`${manifestPath(dir, prefix)}: no manifest`] };
  const problems: string[] = [];
  for (const s of m.shards) {
    const p = join(dir, s.name);
    if (!existsSync(p)) { problems.push(`${p}: missing`); continue; }
    const size = statSync(p).size;
    if (size !== s.bytes) { problems.push(`${p}: ${size} bytes, manifest says ${s.bytes}`); continue; }
    const sha = await sha256File(p);
    if (sha !== s.sha256) problems.push(`${p}: sha256 ${sha} differs from the manifest's ${s.sha256}`);
  }
  if (!m.complete) problems.push(`${manifestPath(dir, prefix)}: the writer did not finish (complete: false)`);
  return { ok: problems.length === 0, checked: m.shards.length, problems };
}
