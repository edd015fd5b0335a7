// `zooclip demo`, the README's main command (interim, until the evaluation issue's full demo):
// synthesise a small world, train a tiny CLIP on its web captions, and report zero-shot accuracy on
// the classify split next to chance. Every stage resumes: a rerun reuses the world and the run.
import { join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic.js';
import { runSynth } from '../synth/run.js';
import { resolveConfig } from '../train/config.js';
import { runTrain, type TrainResult } from '../train/run.js';
import { listCheckpoints } from '../train/checkpoint.js';

export interface WorldDemoOptions {
  out: string;
  steps: number;
  /** Image side of the world and the model input. */
  size: number;
  web: number;
  classify: number;
  seed: number;
  device?: string;
  /** The train preset (model and optimiser); its data and run settings are overridden here. */
  preset: string;
  log?: (s: string) => void;
}

export async function runWorldDemo(o: WorldDemoOptions): Promise<TrainResult> {
  const log = o.log ?? console.log;
  const world = join(o.out, 'world');
  log(`[1/2] synthetic world: ${o.web} web + ${o.classify} classify images at ${o.size}x${o.size} -> ${world}`);
  await runSynth({ out: world, size: o.size, noise: 0.5, seed: o.seed, zoo: 0, web: o.web, probeTrain: 0, probeTest: 0, classify: o.classify, bench: 0, log });
  log(`[2/2] train ${o.preset} for ${o.steps} steps on the web split's alt-text captions`);
  const cfg = resolveConfig({
    preset: o.preset,
    sets: [
      `run.out=${join(o.out, 'train')}`, `run.steps=${o.steps}`, `run.seed=${o.seed}`, `data.root=${world}`, `data.split=web`,
      'data.captions=real', `checkpoint.every=${Math.max(1, Math.min(100, o.steps))}`, ...(o.device ? [`run.device=${o.device}`] : []),
    ],
  });
  const hasCheckpoint = listCheckpoints(join(cfg.run.out, 'checkpoints')).length > 0;
  const result = await runTrain(cfg, { resume: hasCheckpoint ? 'latest' : undefined, hooks: { log } });
  if (result.zeroShot) {
    log('zero-shot on the classify split (top-1 vs chance):');
    for (const [task, r] of Object.entries(result.zeroShot)) {
      log(`  ${task.padEnd(8)} ${(100 * r.top1).toFixed(1).padStart(5)}%   chance ${(100 * r.chance).toFixed(1)}%   (${r.images} images, ${r.classes} classes)`);
    }
  }
  writeFileAtomic(join(o.out, 'demo.json'), JSON.stringify({ options: o, result }, null, 2) + '\n');
  log(`wrote ${join(o.out, 'demo.json')}`);
  return result;
}
