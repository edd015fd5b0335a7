// The `zooclip import` command: checks its options, runs the import, prints what it did.
import { runImport } from './run.js';

/**
 * Runs `zooclip import` with parsed CLI options.
 * @example await importCommand({ in: 'photos', out: 'shards', prefix: 'data', 'shard-size': 1000 });
 */
export async function importCommand(o: Record<string, unknown>): Promise<void> {
  if (typeof o.in !== 'string' || typeof o.out !== 'string') throw new Error('import: --in <folder> and --out <dir> are required');
  const t0 = performance.now();
  const r = await runImport({
    in: o.in,
    out: o.out,
    captions: o.captions as string | undefined,
    prefix: o.prefix as string,
    shardSize: o['shard-size'] as number,
    maxSkipRate: o['max-skip-rate'] as number | undefined,
    maxPixels: o['max-pixels'] as number | undefined,
  });
  const s = (performance.now() - t0) / 1000;
  const m = r.manifest.totals;
  if (r.keptShards > 0) console.log(`resumed: kept ${r.keptShards} finished shard(s), removed ${r.removed.length} partial file(s)`);
  console.log(`imported ${r.written} of ${r.items} images in ${s.toFixed(1)} s; ${r.skipped.summary()}`);
  console.log(`${o.out}: ${m.shards} shard(s), ${m.samples} samples, ${(m.bytes / 1e6).toFixed(1)} MB (${r.manifest.prefix}-manifest.json)`);
}
