// A tiny synthetic world and a tiny CLIP config for the training tests, made once per process.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runSynth } from '../../src/stages/synth/run.js';
import { resolveConfig, type TrainConfig } from '../../src/stages/train/config.js';

let made: Promise<{ root: string; model: string }> | null = null;

/** zoo 64 + classify 32 samples at 32x32, and a 2-layer CLIP config for 32x32 images. */
export function tinyWorld(): Promise<{ root: string; model: string }> {
  made ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), 'zc-train-'));
    await runSynth({ out: join(root, 'world'), size: 32, zoo: 64, web: 0, probeTrain: 0, probeTest: 0, classify: 32, noise: 0.5, seed: 0, bench: 0, workers: 2, log: () => {} });
    const model = join(root, 'tiny-model.json');
    writeFileSync(model, JSON.stringify({
      embed_dim: 32,
      vision_cfg: { image_size: 32, layers: 2, width: 64, head_width: 32, patch_size: 8 },
      text_cfg: { context_length: 24, vocab_size: 49408, width: 64, heads: 2, layers: 2 },
    }));
    return { root, model };
  })();
  return made;
}

/** The --set overrides of a small CPU run on the tiny world, writing into `out`. */
export function tinySets(w: { root: string; model: string }, out: string, steps: number): string[] {
  return [`model.name=${w.model}`, `data.root=${join(w.root, 'world')}`, 'data.split=zoo', 'data.batch=16', `run.steps=${steps}`,
    'optim.warmup=2', `run.out=${out}`, 'run.logEvery=1', 'run.threads=2', 'data.workers=2', 'eval.batch=32'];
}

/** The resolved config of a small run. */
export function tinyConfig(w: { root: string; model: string }, out: string, steps: number, more: string[] = []): TrainConfig {
  return resolveConfig({ preset: 'tiny-synth', sets: [...tinySets(w, out, steps), ...more] });
}
