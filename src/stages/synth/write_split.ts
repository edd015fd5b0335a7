// Writes one split: makes its samples in the worker pool, in index order, into its shard set (and
// the web split's ground truth into the parallel sidecar set), reporting progress and speed.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseTempName } from '../../io/atomic.js';
import type { SynthJob, TaskLabels } from '../../data/synth/job.js';
import type { SampleSpec } from '../../data/synth/make_sample.js';
import type { SynthPool } from '../../data/synth/pool.js';
import type { SampleSink, SinkFactory } from './sink.js';
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

/**
 * Removes the shards, manifest and temp files (`.<prefix>-....tmp`, hidden, left by a killed run) a
 * previous run left under this prefix; the folder is the split's own, so whatever wrote them is
 * over. Returns the temp files removed, for the log.
 * @example clearShardSet('data/synth/zoo', 'zoo') // ['data/synth/zoo/.zoo-000003.tar.4242.lq3k2a-9f1c2b3a.tmp']
 */
export function clearShardSet(dir: string, prefix: string): string[] {
  const temps: string[] = [];
  if (!existsSync(dir)) return temps;
  for (const f of readdirSync(dir)) {
    const temp = parseTempName(f)?.name.startsWith(`${prefix}-`) === true;
    if (temp) temps.push(join(dir, f));
    if (temp || (f.startsWith(`${prefix}-`) && (f.endsWith('.tar') || f.endsWith('-manifest.json')))) rmSync(join(dir, f), { force: true });
  }
  return temps;
}

/** Empties a shard set's folder and opens its sink, logging the temp files a killed run left. */
function openSet(dir: string, prefix: string, s: RunSettings, sink: SinkFactory, log: (m: string) => void): SampleSink {
  const temps = clearShardSet(dir, prefix);
  if (temps.length) log(`  ${prefix}: removed ${temps.length} temp file(s) an interrupted run left: ${temps.join(', ')}`);
  return sink(dir, prefix, s.shardSize);
}

/**
 * Writes one split into `${out}/${name}/${name}-NNNNNN.tar` (and `${out}/web-gt/...` for web).
 * On failure the unfinished shards' temp files are removed (their sinks aborted) before it rethrows.
 * @example await writeSplit(pool, plan, settings, 'out', shardSink, console.log)
 */
export async function writeSplit(pool: SynthPool, plan: SplitPlan, s: RunSettings, out: string, sink: SinkFactory, log: (m: string) => void): Promise<SplitResult> {
  const main = openSet(join(out, plan.name), plan.name, s, sink, log);
  const gt = plan.gtPrefix ? openSet(join(out, plan.gtPrefix), plan.gtPrefix, s, sink, log) : undefined;
  const labels: TaskLabels[] = [];
  const t0 = performance.now();
  let done = 0, lastLog = t0;
  try {
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
  } catch (e) {
    await main.abort?.();
    await gt?.abort?.();
    throw e;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { name: plan.name, count: plan.count, seconds, imagesPerSecond: plan.count / seconds, labels };
}
