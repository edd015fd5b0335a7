// `zooclip label`: repeated `--expert task=<model>` and `--threshold task=<value>`, experts loaded
// through src/zoo/load.ts, then the label stage writes hard pseudo-labels into shards.
import type { Command } from '../command.js';
import { repeated } from '../command.js';
import { SHARD_STAGE_OPTIONS } from '../options.js';
import type { Expert, DenseTaskName } from '../../zoo/types.js';
import { DENSE_TASK_NAMES, isTaskName } from '../../tasks/names.js';

/**
 * Every `--<name> task=value` of an argument list as [task, value] pairs, the task checked against the task table's names.
 * @example collectTaskPairs(['--expert', 'seg=runs/seg'], 'expert') // [['seg', 'runs/seg']]
 */
export function collectTaskPairs(argv: readonly string[], name: string): [DenseTaskName, string][] {
  return repeated(argv, name).map((v) => {
    const eq = v.indexOf('=');
    const task = v.slice(0, eq);
    if (eq <= 0 || !isTaskName(task)) throw new Error(`label: --${name} '${v}' must be <task>=<value> with task one of ${DENSE_TASK_NAMES.join(', ')}`);
    return [task, v.slice(eq + 1)];
  });
}

/** --threshold task=value pairs as numbers. */
function thresholdsOf(argv: readonly string[]): Partial<Record<DenseTaskName, number>> {
  const thresholds: Partial<Record<DenseTaskName, number>> = {};
  for (const [t, v] of collectTaskPairs(argv, 'threshold')) {
    const x = Number(v);
    if (!Number.isFinite(x)) throw new Error(`label: --threshold ${t}=${v} is not a number`);
    thresholds[t] = x;
  }
  return thresholds;
}

/**
 * Runs `zooclip label` with parsed options; `argv` gives every repeated --expert / --threshold.
 * @example await labelCommand(opts, ['--expert', 'seg=runs/seg', '--expert', 'det=human', '--threshold', 'det=0.4']);
 */
export async function labelCommand(o: Record<string, unknown>, argv: readonly string[]): Promise<void> {
  if (typeof o.in !== 'string' || typeof o.out !== 'string') throw new Error('label: --in and --out are required');
  const { loadExpert } = await import('../../zoo/load.js');
  const { runLabel } = await import('../../stages/label/run.js');
  const specs = collectTaskPairs(argv, 'expert');
  if (specs.length === 0) throw new Error('label: give at least one --expert <task>=<model>');
  const thresholds = thresholdsOf(argv);
  const experts: Partial<Record<DenseTaskName, Expert>> = {};
  try {
    for (const [t, spec] of specs) {
      if (experts[t]) throw new Error(`label: two experts for ${t}`);
      experts[t] = await loadExpert(t, spec, { device: o.device as string | undefined });
    }
    const r = await runLabel(experts, { in: o.in, out: o.out, thresholds, batch: o.batch as number, replace: o.replace as boolean,
      rank: o.rank as number | undefined, worldSize: o['world-size'] as number | undefined,
      maxSkipRate: o['max-skip-rate'] as number, maxPixels: o['max-pixels'] as number });
    console.log(`label: ${r.samples} of ${r.read} images (${r.skipped} skipped) in ${r.seconds.toFixed(1)} s (${r.imagesPerSecond.toFixed(1)} img/s), ${specs.map(([t, s]) => `${t}=${s}`).join(' ')}; ${o.out}`);
  } finally {
    for (const e of Object.values(experts)) e.dispose();
  }
}

export const label: Command = {
  help: 'add hard pseudo-labels (seg.png, depth.png, normal.png, det.json) to shards with experts; resumable, rank-split',
  spec: {
    expert: { type: 'string', help: `task=<model>, repeatable: ${DENSE_TASK_NAMES.join('|')} = a folder with expert.json, an ONNX spec (*.json), or human (det)` },
    threshold: { type: 'string', help: 'task=<value>, repeatable: lowest seg probability / det score kept (else ignore 255 / dropped)' },
    in: { type: 'string', help: 'input shards: a folder, a .txt list, or a brace spec' },
    out: { type: 'string', help: 'output folder: shards of the same names with the label fields added' },
    batch: { type: 'number', default: 16, help: 'images per expert call' },
    replace: { type: 'boolean', default: false, help: 'overwrite existing label fields (default: an error naming the shard and key)' },
    ...SHARD_STAGE_OPTIONS,
  },
  run: (o, argv) => labelCommand(o, argv),
};
