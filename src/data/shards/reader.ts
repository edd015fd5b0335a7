// Streaming WebDataset reader: tar members grouped into samples by key, one member in memory at
// a time (plus the sample being assembled). Bad samples are skipped and reported, never thrown.
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import tar from 'tar-stream';
import { isSafeMemberName, splitMemberName } from './names.js';
import { expectedSamples } from './shard_index.js';
import { skip, type SkipInfo, type SkipStats } from './skips.js';
import { expandShardSpec, shardsForRank } from './spec.js';
import { validateSample } from './validate.js';

/** One sample as stored: its key, the shard it came from, and its fields by extension. */
export interface RawSample { key: string; shard: string; fields: Map<string, Buffer> }

/** Options of {@link readShards}. */
export interface ReadShardsOptions {
  /** This process's rank; with worldSize, reads only shardsForRank(list, rank, worldSize). */
  rank?: number;
  worldSize?: number;
  /** Called for every skipped sample (default: a console warning). */
  onSkip?: (info: SkipInfo) => void;
  /** Skips are also counted here. */
  stats?: SkipStats;
  /** Fields every sample must have; `a|b` accepts either (see validateSample). */
  required?: string[];
  /** Skip samples whose `json` / `*.json` fields do not parse (default true). */
  checkJson?: boolean;
}

interface Pending { sample: RawSample; bad?: SkipInfo }

const END_MARKER = 1024;

/** Whether the file's last 1024 bytes are the end-of-archive marker (zeros). */
function endsWithMarker(path: string): boolean {
  try {
    const size = statSync(path).size;
    if (size < END_MARKER) return false;
    const buf = Buffer.alloc(END_MARKER);
    const fd = openSync(path, 'r');
    try { readSync(fd, buf, 0, END_MARKER, size - END_MARKER); } finally { closeSync(fd); }
    return buf.every((b) => b === 0);
  } catch {
    return false;
  }
}

async function drain(entry: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of entry) chunks.push(c);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/**
 * The skip for a shard that stops early after `read` samples (yielded or skipped): with an index
 * (manifest or done marker) it counts every sample lost; without one, at least the one cut off.
 */
function truncation(path: string, read: number, detail: string, key: string | undefined, reason: 'truncated' | 'read-error' = 'truncated'): SkipInfo {
  const expected = expectedSamples(path);
  const info = skip(reason, path, reason === 'truncated' ? `shard ends early after ${read} samples (${detail})` : `${detail} (after ${read} samples)`, key);
  if (expected !== undefined && expected > read) {
    return { ...info, count: expected - read, message: `${info.message}; its index records ${expected} samples, so ${expected - read} are lost` };
  }
  if (expected !== undefined) return info;
  return { ...info, lostUnknown: true, message: `${info.message}; stopped after ${read} samples, the number lost is unknown (no manifest or done marker)` };
}

/** Reads one shard, yielding its samples and reporting the ones it drops. */
async function* readShard(path: string, report: (i: SkipInfo) => void, o: ReadShardsOptions): AsyncGenerator<RawSample> {
  const src = createReadStream(path);
  const extract = tar.extract();
  src.on('error', (e) => extract.destroy(e));
  src.pipe(extract);
  const seen = new Set<string>();
  let pending: Pending | undefined;
  let read = 0;  // samples finished (yielded or skipped), for counting what a truncation lost
  const finish = (p: Pending): RawSample | undefined => {
    read++;
    const bad = p.bad ?? (o.required || o.checkJson !== false ? validateSample(p.sample, o.required, o.checkJson !== false) : undefined);
    if (bad) { report(bad); return undefined; }
    return p.sample;
  };
  try {
    for await (const entry of extract) {
      const h = entry.header;
      if (h.type !== 'file' && h.type !== 'contiguous-file') { entry.resume(); continue; }
      const parsed = splitMemberName(h.name);
      if (!parsed && isSafeMemberName(h.name)) {
        entry.resume();
        report(skip('bad-name', path, `member '${h.name}' has no key or no extension`));
        continue;
      }
      const key = parsed?.key ?? h.name;
      const ext = parsed?.ext ?? '';
      if (pending && pending.sample.key !== key) {
        const s = finish(pending);
        pending = undefined;
        if (s) yield s;
      }
      if (!pending) {
        pending = { sample: { key, shard: path, fields: new Map() } };
        if (seen.has(key)) pending.bad = skip('duplicate-key', path, 'key appears again after other samples', key);
        seen.add(key);
      }
      const data = await drain(entry);
      if (pending.bad) continue;
      if (!isSafeMemberName(h.name)) pending.bad = skip('unsafe-path', path, `member '${h.name}' escapes the shard`, key, ext);
      else if (pending.sample.fields.has(ext)) pending.bad = skip('duplicate-field', path, `field '${ext}' appears twice`, key, ext);
      else pending.sample.fields.set(ext, data);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // A parse error in a file that lacks the end-of-archive marker is a cut (a crash, a partial
    // download); the tar parser words it in several ways ('Unexpected end of data', 'Stream was
    // destroyed'). An error of the file system (it names a syscall) is a read error.
    // (A file whose first header does not parse is no tar at all: a read error too.)
    const parsed = read > 0 || pending !== undefined;
    const cut = !err.syscall && (/unexpected end|premature|aborted/i.test(err.message) || (parsed && !endsWithMarker(path)));
    report(cut ? truncation(path, read, `inside a member or header: ${err.message}`, pending?.sample.key) : truncation(path, read, err.message, pending?.sample.key, 'read-error'));
    return;
  } finally {
    src.destroy();
    extract.destroy();
  }
  if (!endsWithMarker(path)) {
    report(truncation(path, read, 'no end-of-archive marker', pending?.sample.key));
    return;
  }
  const last = pending && finish(pending);
  if (last) yield last;
}

/**
 * Reads WebDataset shards in order, yielding one sample per key. Accepts a spec with brace
 * ranges or a list of paths. Skipped samples go to `onSkip` and `stats`.
 * @example
 * const stats = new SkipStats();
 * for await (const s of readShards('data/web-{000000..000127}.tar', { rank, worldSize, stats, required: ['jpg|png|webp', 'txt'] })) {
 *   const caption = s.fields.get('txt')!.toString();
 * }
 */
export async function* readShards(spec: string | string[], o: ReadShardsOptions = {}): AsyncGenerator<RawSample> {
  const all = expandShardSpec(spec);
  const list = o.worldSize !== undefined || o.rank !== undefined ? shardsForRank(all, o.rank ?? 0, o.worldSize ?? 1) : all;
  const warn = o.onSkip ?? ((i: SkipInfo) => console.warn(`zooclip: ${i.message}`));
  const report = (i: SkipInfo): void => { o.stats?.add(i); warn(i); };
  for (const path of list) yield* readShard(path, report, o);
}
