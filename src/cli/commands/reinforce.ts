// `zooclip reinforce`: repeated `--teacher MODEL`, each loaded as `zooclip eval` loads a model, then
// the reinforce stage writes paug.json + npz (DataCompDR's layout) into shards.
import type { Command } from '../command.js';
import { repeated } from '../command.js';
import { SHARD_STAGE_OPTIONS } from '../options.js';

/** --rand-augment on|off as a boolean. */
function onOff(v: unknown): boolean {
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new Error(`reinforce: --rand-augment must be on or off, got '${String(v)}'`);
}

/**
 * Runs `zooclip reinforce` with parsed options and the raw arguments (for the repeated --teacher).
 * @example await reinforceCommand({ in: 'data/synth/web', out: 'data/synth/web-dr', augs: 30, dtype: 'f16', 'rand-augment': 'on', ... }, ['--teacher', 'runs/a', '--teacher', 'runs/b']);
 */
export async function reinforceCommand(o: Record<string, unknown>, argv: readonly string[]): Promise<void> {
  if (typeof o.in !== 'string' || typeof o.out !== 'string') throw new Error('reinforce: --in and --out are required');
  const specs = repeated(argv, 'teacher');
  if (!specs.length) throw new Error('reinforce: give at least one --teacher MODEL (a checkpoint or run folder, an open_clip folder, or a config name)');
  const randAugment = onOff(o['rand-augment']);
  const { loadTeacher } = await import('../../stages/reinforce/teachers.js');
  const { runReinforce } = await import('../../stages/reinforce/run.js');
  const teachers: ReturnType<typeof loadTeacher>[] = [];
  try {
    for (const s of specs) teachers.push(loadTeacher(s, { device: o.device as string | undefined, seed: o['teacher-seed'] as number }));
    const r = await runReinforce(teachers, {
      in: o.in, out: o.out, augs: o.augs as number, dtype: o.dtype as 'f16' | 'f32', size: o.size as number | undefined, randAugment,
      flip: o.flip as number, scale: [o['min-scale'] as number, 1], seed: o.seed as number, batch: o.batch as number, viewBatch: o['view-batch'] as number,
      replace: o.replace as boolean, rank: o.rank as number | undefined, worldSize: o['world-size'] as number | undefined,
      maxSkipRate: o['max-skip-rate'] as number, maxPixels: o['max-pixels'] as number,
    });
    console.log(`reinforce: ${r.samples} of ${r.read} images (${r.skipped} skipped) in ${r.seconds.toFixed(1)} s: ${r.imagesPerSecond.toFixed(1)} img/s, ` +
      `${r.teacherPassesPerSecond.toFixed(1)} teacher passes/s (${o.augs} views x ${teachers.length} teachers); ${o.out}`);
  } finally {
    for (const t of teachers) t.model.dispose();
  }
}

export const reinforce: Command = {
  help: 'dataset reinforcement (DataCompDR): stored augmentations (paug.json) and teacher-ensemble embeddings (npz) for shards; resumable, rank-split',
  spec: {
    in: { type: 'string', help: 'input shards: a folder, a .txt list, or a brace spec (web/web-{000000..000009}.tar)' },
    out: { type: 'string', help: 'output folder: shards of the same names with paug.json and npz added' },
    teacher: { type: 'string', help: 'a teacher (repeat for an ensemble): a checkpoint or run folder, an open_clip folder, or a config name (random init)' },
    augs: { type: 'number', default: 30, help: 'stored augmentations per image (DataCompDR: 30 for 12M, 10 for 1B)' },
    dtype: { type: 'string', default: 'f16', help: 'f16 or f32 embeddings in the npz' },
    size: { type: 'number', help: "view side in pixels (default: the teachers' image size)" },
    'rand-augment': { type: 'string', default: 'on', help: 'on or off: RandAugment (2 ops, magnitude 9) in every stored view' },
    flip: { type: 'number', default: 0, help: 'horizontal flip probability (0: no flip stored, as DataCompDR)' },
    'min-scale': { type: 'number', default: 0.08, help: "RandomResizedCrop's smallest area fraction" },
    seed: { type: 'number', default: 0, help: 'seed of the stored augmentations (with each key: the same views however the run is split)' },
    'teacher-seed': { type: 'number', default: 0, help: 'init seed of a teacher given as a config name (random weights)' },
    batch: { type: 'number', default: 8, help: 'images per step (each with --augs views)' },
    'view-batch': { type: 'number', default: 64, help: 'views per teacher forward' },
    replace: { type: 'boolean', default: false, help: 'overwrite an existing paug.json / npz (default: an error naming the shard and key)' },
    ...SHARD_STAGE_OPTIONS,
  },
  run: (o, argv) => reinforceCommand(o, argv),
};
