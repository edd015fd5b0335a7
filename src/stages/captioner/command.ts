// The `zooclip train-captioner` command: options -> config. Its options are declared in
// src/cli/main.ts without defaults, so a resumed run can tell which were given: --resume continues
// with the checkpoint's config, the options given on this command line on top (e.g. more --steps).
import { findCheckpoint, readState } from '../train/checkpoint.js';
import { resolveCaptionerConfig, type CaptionerTrainConfig } from './config.js';

const RENAME: Record<string, keyof CaptionerTrainConfig> = { config: 'model', 'checkpoint-every': 'checkpointEvery', 'eval-images': 'evalImages' };

/** The config fields given on the command line. */
export function givenOptions(o: Record<string, unknown>): Partial<CaptionerTrainConfig> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && k !== 'resume') out[RENAME[k] ?? k] = v;
  return out as Partial<CaptionerTrainConfig>;
}

/**
 * Runs `zooclip train-captioner` with parsed options.
 * @example await trainCaptionerCommand({ data: '/tmp/world', steps: 300 })
 */
export async function trainCaptionerCommand(o: Record<string, unknown>): Promise<void> {
  if (o.model !== undefined && o.config !== undefined && o.model !== o.config) throw new Error('train-captioner: give --model or --config, not both');
  const given = givenOptions(o);
  let cfg = resolveCaptionerConfig(given);
  const resume = o.resume as string | undefined;
  if (resume) {
    const dir = findCheckpoint(resume, cfg.out);
    cfg = resolveCaptionerConfig({ ...(readState(dir).config as unknown as CaptionerTrainConfig), ...given });
  }
  const { runTrainCaptioner } = await import('./run.js');
  await runTrainCaptioner(cfg, { resume });
}
