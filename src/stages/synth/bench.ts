// Render speed: labelled samples (render + every encoded field) per second through the worker pool,
// at a given size, without writing anything. A short warm-up is excluded.
import type { SynthPool } from '../../data/synth/pool.js';
import { splitJobs, type RunSettings } from './write_split.js';

/**
 * Images per second at `size` over `count` labelled samples of a throw-away 'bench' split.
 * @example const ips = await measureSpeed(pool, 64, 400, settings)
 */
export async function measureSpeed(pool: SynthPool, size: number, count: number, s: RunSettings): Promise<number> {
  const settings = { ...s, size };
  const warm = Math.max(2 * pool.threads, 4);
  for await (const _ of pool.run(splitJobs({ name: 'bench-warmup', count: warm, layout: 'labelled' }, settings))) void _;
  const t0 = performance.now();
  for await (const _ of pool.run(splitJobs({ name: 'bench', count, layout: 'labelled' }, settings))) void _;
  return count / ((performance.now() - t0) / 1000);
}
