// `zooclip train-captioner`: options -> config. Its options are declared without defaults, so a
// resumed run can tell which were given: --resume continues with the checkpoint's config, the
// options given on this command line on top (e.g. more --steps).
import type { Command } from '../command.js';
import { givenFields } from '../command.js';
import { LOOP_OPTIONS } from '../options.js';
import { resolveCaptionerConfig, type CaptionerTrainConfig } from '../../stages/train_captioner/config.js';

const RENAME: Record<string, string> = { config: 'model', 'checkpoint-every': 'checkpointEvery', 'eval-images': 'evalImages' };

/**
 * Runs `zooclip train-captioner` with parsed options.
 * @example await trainCaptionerCommand({ data: '/tmp/world', steps: 300 })
 */
export async function trainCaptionerCommand(o: Record<string, unknown>): Promise<void> {
  if (o.model !== undefined && o.config !== undefined && o.model !== o.config) throw new Error('train-captioner: give --model or --config, not both');
  const given = givenFields<CaptionerTrainConfig>(o, RENAME);
  let cfg = resolveCaptionerConfig(given);
  let resume = o.resume as string | undefined;
  if (resume) {
    // As `zooclip train --resume` (resumeTarget): the checkpoint's config with this command's
    // options on top, writing into --out or the run the checkpoint sits in, never the recorded out.
    const { readStageState, resumeTarget } = await import('../../training/checkpoint.js');
    const target = resumeTarget(resume, { out: cfg.out, explicitOut: given.out, flag: '--out DIR' });
    cfg = resolveCaptionerConfig({ ...(readStageState(target.checkpoint).config as CaptionerTrainConfig), ...given, out: target.out });
    resume = target.checkpoint;
  }
  const { runTrainCaptioner } = await import('../../stages/train_captioner/run.js');
  await runTrainCaptioner(cfg, { resume });
}

export const trainCaptioner: Command = {
  help: 'train the CoCa-style captioner on a split\'s quality captions; writes <out>/captioner, captions held-out images',
  spec: {
    data: { type: 'string', help: 'synthetic world root (default data/synth)' },
    split: { type: 'string', help: 'split with syn.json quality captions (default zoo)' },
    holdout: { type: 'string', help: 'held-out split to caption and grade at the end (default probe-test; else 1 in 20 of the split)' },
    out: { type: 'string', help: 'output folder (default runs/captioner)' },
    model: { type: 'string', help: 'captioner-test, captioner-tiny (default), captioner-small, or a config .json' },
    config: { type: 'string', help: 'same as --model' },
    vocab: { type: 'string', help: 'output tokens: data (those of the training captions, default) or full (all 49408)' },
    'eval-images': { type: 'number', help: 'held-out images graded at the end (default 200; 0 skips)' },
    ...LOOP_OPTIONS,
  },
  run: (o) => trainCaptionerCommand(o),
};
