// Writes one split: makes its samples in the worker pool, in index order, into its shard set (and
// the web split's ground truth into the parallel sidecar set), reporting progress and speed.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SynthJob, TaskLabels } from '../../data/synth/job.js';
import type { SampleSpec } from '../../data/synth/make_sample.js';
import type { SynthPool } from '../../data/synth/pool.js';
import type { SinkFactory } from './sink.js';
import type { SplitPlan } from './splits.js';

/** What every sample of a run shares. */
export interface RunSettings {
  size: number;
  noise: number;
  seed: number;
  image: 'jpg' | 'png';
  variants: number;
  shardSize: number;
}

/** Timing and labels of one written split. */
export interface SplitResult {
  name: string;
  count: number;
  seconds: number;
  imagesPerSecond: number;
  /** Zero-shot task labels per sample (kept for the classify split). */
  labels: TaskLabels[];
}

/** The jobs of a split, lazily, in index order. */
export function* splitJobs(plan: SplitPlan, s: RunSettings): Generator<SynthJob> {
  for (let index = 0; index < plan.count; index++) {
    const spec: SampleSpec = { seed: s.seed, split: plan.name, index, size: s.size, noise: s.noise, variants: s.variants };
    yield { spec, encode: { image: s.image, layout: plan.layout } };
  }
}

/** Removes the shards and manifest a previous run left under this prefix (the folder is the split's own). */
export function clearShardSet(dir: string, prefix: string): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    if (f.startsWith(`${prefix}-`) && (f.endsWith('.tar') || f.endsWith('-manifest.json') || f.endsWith('.tmp'))) rmSync(join(dir, f), { force: true });
  }
}

/**
 * Writes one split into `${out}/${name}/${name}-NNNNNN.tar` (and `${out}/web-gt/...` for web).
 * @example await writeSplit(pool, plan, settings, 'out', shardSink, console.log)
 */
export async function writeSplit(pool: SynthPool, plan: SplitPlan, s: RunSettings, out: string, sink: SinkFactory, log: (m: string) => void): Promise<SplitResult> {
  const dir = join(out, plan.name);
  clearShardSet(dir, plan.name);
  const main = sink(dir, plan.name, s.shardSize);
  const gtDir = plan.gtPrefix ? join(out, plan.gtPrefix) : undefined;
  if (gtDir) clearShardSet(gtDir, plan.gtPrefix!);
  const gt = gtDir ? sink(gtDir, plan.gtPrefix!, s.shardSize) : undefined;
  const labels: TaskLabels[] = [];
  const t0 = performance.now();
  let done = 0, lastLog = t0;
  for await (const r of pool.run(splitJobs(plan, s))) {
    await main.write(r.encoded.key, r.encoded.fields);
    if (gt && r.encoded.gt) await gt.write(r.encoded.key, r.encoded.gt);
    if (plan.name === 'classify') labels.push(r.labels);
    done++;
    const now = performance.now();
    if (now - lastLog > 5000 && done < plan.count) {
      const rate = done / ((now - t0) / 1000);
      log(`  ${plan.name}: ${done}/${plan.count}  ${rate.toFixed(0)} img/s, ${((plan.count - done) / rate).toFixed(0)} s left`);
      lastLog = now;
    }
  }
  await main.close();
  await gt?.close();
  const seconds = (performance.now() - t0) / 1000;
  return { name: plan.name, count: plan.count, seconds, imagesPerSecond: plan.count / seconds, labels };
}
