// `zooclip train-expert`: options -> config. Its options are declared without defaults, so a
// resumed run can tell which were given: --resume continues with the checkpoint's config, the
// options given on this command line on top (e.g. more --steps).
import type { Command } from '../command.js';
import { givenFields } from '../command.js';
import { LOOP_OPTIONS } from '../options.js';
import { DENSE_TASK_NAMES } from '../../tasks/names.js';
import { resolveExpertConfig, type ExpertTrainConfig } from '../../stages/train_expert/config.js';

const RENAME: Record<string, string> = { 'eval-split': 'evalSplit', 'seg-head': 'segHead', 'checkpoint-every': 'checkpointEvery', 'eval-images': 'evalImages' };

/**
 * The config fields given on the command line.
 * @example givenExpertOptions({ task: 'seg', 'seg-head': 'linear' }) // { task: 'seg', segHead: 'linear' }
 */
export function givenExpertOptions(o: Record<string, unknown>): Partial<ExpertTrainConfig> {
  return givenFields<ExpertTrainConfig>(o, RENAME);
}

/**
 * Runs `zooclip train-expert` with parsed options.
 * @example await trainExpertCommand({ task: 'seg', data: '/tmp/world', steps: 300 })
 */
export async function trainExpertCommand(o: Record<string, unknown>): Promise<void> {
  const given = givenExpertOptions(o);
  let resume = o.resume as string | undefined;
  let cfg: ExpertTrainConfig;
  if (resume) {
    // As `zooclip train --resume` (resumeTarget): the checkpoint's config with this command's
    // options on top, writing into --out or the run the checkpoint sits in, never the recorded out.
    const { readStageState, resumeTarget } = await import('../../training/checkpoint.js');
    if (resume === 'latest' && !given.out && !given.task) throw new Error('train-expert: --resume latest needs --out (or --task, for the default runs/expert-<task>)');
    const target = resumeTarget(resume, { out: given.out || `runs/expert-${given.task}`, explicitOut: given.out || undefined, flag: '--out DIR' });
    cfg = resolveExpertConfig({ ...(readStageState(target.checkpoint).config as ExpertTrainConfig), ...given, out: target.out });
    resume = target.checkpoint;
  } else {
    cfg = resolveExpertConfig(given);
  }
  const { runTrainExpert } = await import('../../stages/train_expert/run.js');
  await runTrainExpert(cfg, { resume });
}

export const trainExpert: Command = {
  help: `train a dense expert (tower + ${DENSE_TASK_NAMES.join('/')} head) on a labelled split; writes <out>/expert, scores it on probe-test`,
  spec: {
    task: { type: 'string', help: DENSE_TASK_NAMES.join(', ') },
    data: { type: 'string', help: 'synthetic world root (default data/synth)' },
    split: { type: 'string', help: 'labelled split to train on (default zoo)' },
    'eval-split': { type: 'string', help: "split scored at the end when present (default probe-test; '' skips)" },
    out: { type: 'string', help: 'output folder (default runs/expert-<task>); the expert goes to <out>/expert' },
    model: { type: 'string', help: 'tower architecture: a built-in config (default zooclip-tiny) or a CLIP config .json' },
    init: { type: 'string', help: 'start from the image tower of a CLIP checkpoint, run or open_clip folder (its architecture too)' },
    'seg-head': { type: 'string', help: 'segmentation head: psp (default) or linear' },
    level: { type: 'number', help: 'tower level the head reads (default -1, the last)' },
    channels: { type: 'number', help: 'hidden channels of the head (default 64)' },
    ...LOOP_OPTIONS,
    'eval-images': { type: 'number', help: 'score at most this many evaluation images (default all)' },
  },
  run: (o) => trainExpertCommand(o),
};
