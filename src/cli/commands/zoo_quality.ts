// `zooclip zoo-quality`: grades captions and pseudo-labels against the synthetic world's truth.
import type { Command } from '../command.js';
import { repeated } from '../command.js';
import type { NamedShards } from '../../zoo/quality.js';

/**
 * `name=spec` (or a bare spec, named `fallback`) pairs of every `--<flag>` in argv.
 * @example namedSets(['--captions', 'cap=data/web-cap'], 'captions', 'captions') // [{ name: 'cap', spec: 'data/web-cap' }]
 */
export function namedSets(argv: readonly string[], flag: string, fallback: string): NamedShards[] {
  const values = repeated(argv, flag);
  return values.map((v, i) => {
    const eq = v.indexOf('=');
    return eq > 0 ? { name: v.slice(0, eq), spec: v.slice(eq + 1) } : { name: values.length > 1 ? `${fallback} ${i + 1}` : fallback, spec: v };
  });
}

export const zooQuality: Command = {
  help: 'score captions (shapes/colours/counts) and pseudo-labels (mIoU, depth RMSE, normals, AP50) against the world\'s web-gt',
  spec: {
    gt: { type: 'string', help: 'ground-truth shards (the synthetic world\'s web-gt folder)' },
    captions: { type: 'string', help: 'name=<shards> with syn.json, repeatable (web and ground-truth quality captions are always scored)' },
    labels: { type: 'string', help: 'name=<shards> with pseudo-labels, repeatable' },
    out: { type: 'string', default: 'zoo-quality.json', help: 'report file (JSON)' },
    limit: { type: 'number', help: 'score at most this many samples per set' },
  },
  run: async (o, argv) => {
    if (typeof o.gt !== 'string') throw new Error('zoo-quality: --gt <web-gt shards> is required');
    const { runQuality } = await import('../../zoo/quality.js');
    await runQuality({ gt: o.gt, captions: namedSets(argv, 'captions', 'captions'), labels: namedSets(argv, 'labels', 'labels'),
      out: o.out as string | undefined, limit: o.limit as number | undefined });
  },
};
