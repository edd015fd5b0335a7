// Option groups several commands share. Plain data: importing this loads nothing heavy.
import type { OptionSpec } from './args.js';
import { DEFAULT_MAX_PIXELS, DEFAULT_MAX_SKIP_RATE } from '../data/limits.js';

/** The data-trust options of every stage that reads shards (label, caption, import, eval). */
export const DATA_OPTIONS: Record<string, OptionSpec> = {
  'max-skip-rate': { type: 'number', default: DEFAULT_MAX_SKIP_RATE, help: 'exit 1 when more than this share of the samples is skipped (corrupt, oversized, unreadable): per shard for caption and label (that shard is not marked done), per pass for import and eval' },
  'max-pixels': { type: 'number', default: DEFAULT_MAX_PIXELS, help: 'pixel budget: images declaring more pixels are skipped as image-too-large' },
};

/** The options of a stage that maps shards with a model (caption, label): rank split, device, data trust. */
export const SHARD_STAGE_OPTIONS: Record<string, OptionSpec> = {
  rank: { type: 'number', help: 'this process\'s rank (default RANK, else 0)' },
  'world-size': { type: 'number', help: 'processes splitting the shards (default WORLD_SIZE, else 1)' },
  device: { type: 'string', help: 'cpu or cuda:N for zooclip models' },
  ...DATA_OPTIONS,
};

/** Help of the zoo trainers' --resume (the rule of resumeTarget in src/training/checkpoint.ts). */
const LOOP_RESUME_HELP = "continue from a checkpoint folder, or 'latest' under <out>/checkpoints; writes into --out when given, else into the run " +
  'the checkpoint sits in (<run>/checkpoints/step-N -> <run>); a checkpoint copied elsewhere needs --out. The out recorded in the checkpoint is never used';

/** Command-line options of the zoo trainers' shared loop settings (no defaults: a resumed run keeps its own unless given). */
export const LOOP_OPTIONS: Record<string, OptionSpec> = {
  steps: { type: 'number', help: 'optimizer steps (default 1000)' },
  batch: { type: 'number', help: 'images per step (default 32)' },
  lr: { type: 'number', help: 'peak learning rate (default 1e-3)' },
  warmup: { type: 'number', help: 'warmup steps (default 50)' },
  seed: { type: 'number', help: 'random seed (default 0)' },
  device: { type: 'string', help: 'cpu or cuda:N (default: cuda:0 when present)' },
  threads: { type: 'number', help: 'intra-op threads (default: ZOOCLIP_NUM_THREADS, else the core count)' },
  workers: { type: 'number', help: 'decode worker threads (default 2)' },
  'checkpoint-every': { type: 'number', help: 'checkpoint every N steps (default 200)' },
  resume: { type: 'string', help: LOOP_RESUME_HELP },
};

/** Help of `zooclip train --resume`: the rule of resumeTarget for where a resumed run writes. */
export const RESUME_HELP = "continue from a checkpoint folder, or 'latest' (the newest under run.out/checkpoints). " +
  'A resumed run writes into --set run.out=DIR when given, else into the run the checkpoint sits in ' +
  '(<run>/checkpoints/step-N -> <run>); a checkpoint copied elsewhere needs --set run.out=DIR. ' +
  'The output folder recorded in the checkpoint is never used';
