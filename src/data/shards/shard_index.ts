// How many samples a shard should hold, from the records written beside it: a shard-set manifest
// (`<prefix>-manifest.json`, written by ShardWriter) or a stage's done marker (`<shard>.done.json`,
// written by caption/label). A reader uses it to count the samples a truncated shard lost.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Shard name -> samples, from every zooclip-shards manifest in `dir` (read when asked: truncation is rare, and a cache could go stale while a writer runs). */
function countsInFolder(dir: string): Map<string, number> {
  const counts = new Map<string, number>();
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('-manifest.json')) : [];
  for (const f of files) {
    try {
      const m = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { format?: string; shards?: { name?: unknown; samples?: unknown }[] };
      if (m.format !== 'zooclip-shards' || !Array.isArray(m.shards)) continue;
      for (const s of m.shards) if (typeof s.name === 'string' && Number.isSafeInteger(s.samples)) counts.set(s.name, s.samples as number);
    } catch {
      // An unreadable manifest gives no count; the truncation is then reported as of unknown size.
    }
  }
  return counts;
}

/**
 * The number of samples `shard` was written with, or undefined when nothing records it.
 * @example expectedSamples('data/synth/web/web-000003.tar') // 1000 (from web-manifest.json)
 */
export function expectedSamples(shard: string): number | undefined {
  const marker = `${shard}.done.json`;
  if (existsSync(marker)) {
    try {
      const r = JSON.parse(readFileSync(marker, 'utf8')) as { format?: string; samples?: unknown };
      if (r.format === 'zooclip-shard-done' && Number.isSafeInteger(r.samples)) return r.samples as number;
    } catch {
      // fall through to the manifests
    }
  }
  return countsInFolder(dirname(shard)).get(basename(shard));
}
