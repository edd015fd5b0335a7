// `zooclip import`: packs a folder of captioned images into WebDataset shards.
import type { Command } from '../command.js';
import { DATA_OPTIONS } from '../options.js';

export const importCmd: Command = {
  help: 'pack a folder of captioned images (sidecar .txt or a CSV/TSV/JSONL table) into WebDataset shards; resumable',
  spec: {
    in: { type: 'string', help: 'folder of images (table paths are relative to it)' },
    out: { type: 'string', help: 'output folder for the shards and their manifest' },
    captions: { type: 'string', help: 'caption table (.csv, .tsv, .jsonl) with path and caption columns; default: sidecar .txt files' },
    prefix: { type: 'string', default: 'data', help: 'shard name prefix' },
    'shard-size': { type: 'number', default: 1000, help: 'samples per shard' },
    ...DATA_OPTIONS,
  },
  run: async (o) => {
    if (typeof o.in !== 'string' || typeof o.out !== 'string') throw new Error('import: --in <folder> and --out <dir> are required');
    const { runImport } = await import('../../stages/import/run.js');
    const t0 = performance.now();
    const r = await runImport({
      in: o.in, out: o.out, captions: o.captions as string | undefined, prefix: o.prefix as string, shardSize: o['shard-size'] as number,
      maxSkipRate: o['max-skip-rate'] as number | undefined, maxPixels: o['max-pixels'] as number | undefined,
    });
    const s = (performance.now() - t0) / 1000, m = r.manifest.totals;
    if (r.keptShards > 0) console.log(`resumed: kept ${r.keptShards} finished shard(s), removed ${r.removed.length} partial file(s)`);
    console.log(`imported ${r.written} of ${r.items} images in ${s.toFixed(1)} s; ${r.skipped.summary()}`);
    console.log(`${o.out}: ${m.shards} shard(s), ${m.samples} samples, ${(m.bytes / 1e6).toFixed(1)} MB (${r.manifest.prefix}-manifest.json)`);
  },
};
