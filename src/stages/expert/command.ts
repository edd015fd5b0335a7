// The `zooclip train-expert` command: options -> config. Its options are declared without
// defaults, so a resumed run can tell which were given: --resume continues with the checkpoint's
// config, the options given on this command line on top (e.g. more --steps). Only this file's
// options are read at CLI start: the engine loads when the command runs.
import type { OptionSpec } from '../../cli/args.js';
import { resolveExpertConfig, type ExpertTrainConfig } from './config.js';

/** Options of `zooclip train-expert`. */
export const EXPERT_OPTIONS: Record<string, OptionSpec> = {
  task: { type: 'string', help: 'seg, depth, normals or det' },
  data: { type: 'string', help: 'synthetic world root (default data/synth)' },
  split: { type: 'string', help: 'labelled split to train on (default zoo)' },
  'eval-split': { type: 'string', help: "split scored at the end when present (default probe-test; '' skips)" },
  out: { type: 'string', help: 'output folder (default runs/expert-<task>); the expert goes to <out>/expert' },
  model: { type: 'string', help: 'tower architecture: a built-in config (default zooclip-tiny) or a CLIP config .json' },
  init: { type: 'string', help: 'start from the image tower of a CLIP checkpoint, run or open_clip folder (its architecture too)' },
  'seg-head': { type: 'string', help: 'segmentation head: psp (default) or linear' },
  level: { type: 'number', help: 'tower level the head reads (default -1, the last)' },
  channels: { type: 'number', help: 'hidden channels of the head (default 64)' },
  steps: { type: 'number', help: 'optimizer steps (default 1000)' },
  batch: { type: 'number', help: 'images per step (default 32)' },
  lr: { type: 'number', help: 'peak learning rate (default 1e-3)' },
  warmup: { type: 'number', help: 'warmup steps (default 50)' },
  seed: { type: 'number', help: 'random seed (default 0)' },
  device: { type: 'string', help: 'cpu or cuda:N (default: cuda:0 when present)' },
  threads: { type: 'number', help: "intra-op threads (default: libtorch's)" },
  workers: { type: 'number', help: 'decode worker threads (default 2)' },
  'checkpoint-every': { type: 'number', help: 'checkpoint every N steps (default 200)' },
  'eval-images': { type: 'number', help: 'score at most this many evaluation images (default all)' },
  resume: { type: 'string', help: "continue from a checkpoint folder, or 'latest' under <out>/checkpoints" },
};

const RENAME: Record<string, keyof ExpertTrainConfig> = { 'eval-split': 'evalSplit', 'seg-head': 'segHead', 'checkpoint-every': 'checkpointEvery', 'eval-images': 'evalImages' };

/** The config fields given on the command line. */
export function givenExpertOptions(o: Record<string, unknown>): Partial<ExpertTrainConfig> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && k !== 'resume') out[RENAME[k] ?? k] = v;
  return out as Partial<ExpertTrainConfig>;
}

/**
 * Runs `zooclip train-expert` with parsed options.
 * @example await trainExpertCommand({ task: 'seg', data: '/tmp/world', steps: 300 })
 */
export async function trainExpertCommand(o: Record<string, unknown>): Promise<void> {
  const given = givenExpertOptions(o);
  const resume = o.resume as string | undefined;
  let cfg: ExpertTrainConfig;
  if (resume) {
    const { findCheckpoint, readState } = await import('../train/checkpoint.js');
    if (!given.out && !given.task) throw new Error('train-expert: --resume needs --out (or --task, for the default runs/expert-<task>)');
    const dir = findCheckpoint(resume, given.out || `runs/expert-${given.task}`);
    cfg = resolveExpertConfig({ ...(readState(dir).config as unknown as ExpertTrainConfig), ...given });
  } else {
    cfg = resolveExpertConfig(given);
  }
  const { runTrainExpert } = await import('./run.js');
  await runTrainExpert(cfg, { resume });
}
