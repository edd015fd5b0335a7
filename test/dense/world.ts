// A tiny labelled synthetic world (32x32: zoo, probe-train, probe-test) and a tiny tower config
// for the dense tests, made once per process.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { runSynth } from '../../src/stages/synth/run.js';

let made: Promise<{ root: string; world: string; model: string }> | null = null;

/** zoo 64 + probe-train 48 + probe-test 32 samples at 32x32, and a 2-layer ViT config (patch 8) for them. */
export function denseWorld(): Promise<{ root: string; world: string; model: string }> {
  made ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), 'zc-dense-'));
    const world = join(root, 'world');
    await runSynth({ out: world, size: 32, zoo: 64, web: 0, probeTrain: 48, probeTest: 32, classify: 0, noise: 0.5, seed: 0, bench: 0, workers: 2, log: () => {} });
    const model = join(root, 'tiny-model.json');
    writeFileSync(model, JSON.stringify({
      embed_dim: 32,
      vision_cfg: { image_size: 32, layers: 2, width: 64, head_width: 32, patch_size: 8 },
      text_cfg: { context_length: 16, vocab_size: 1000, width: 32, heads: 2, layers: 1 },
    }));
    return { root, world, model };
  })();
  return made;
}

/** The .tar shards of a world split. */
export function shardsOf(world: string, split: string): string[] {
  const dir = join(world, split);
  return readdirSync(dir).filter((f) => f.endsWith('.tar')).sort().map((f) => join(dir, f));
}
