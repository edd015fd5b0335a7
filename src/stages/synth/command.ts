// The `zooclip synth` command: maps the parsed CLI options (declared in src/cli/main.ts) onto runSynth.
import { runSynth } from './run.js';

/**
 * Runs `zooclip synth` with parsed CLI options.
 * @example await synthCommand({ out: 'data/synth', size: 64, zoo: 20, web: 200, 'probe-train': 20, 'probe-test': 10, classify: 20, noise: 0.5, seed: 0 })
 */
export async function synthCommand(o: Record<string, unknown>): Promise<void> {
  const image = o.image ?? 'jpg';
  if (image !== 'jpg' && image !== 'png') throw new Error(`zooclip synth: --image must be jpg or png, got '${String(image)}'`);
  await runSynth({
    out: o.out as string, size: o.size as number, zoo: o.zoo as number, web: o.web as number,
    probeTrain: o['probe-train'] as number, probeTest: o['probe-test'] as number, classify: o.classify as number,
    noise: o.noise as number, seed: o.seed as number, image, workers: o.workers as number | undefined,
    shardSize: o['shard-size'] as number | undefined, variants: o.variants as number | undefined,
    preview: o.preview === true, bench: (o.bench as number | undefined) ?? 0,
  });
}
