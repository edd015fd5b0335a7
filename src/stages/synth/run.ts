// `zooclip synth`: writes the synthetic world's splits as WebDataset shards, classify.json, a
// record of the run (synth.json), optionally a contact sheet, and the render speed at 64 and 224.
// Resumable: a split already finished with the same settings is kept, not redone.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { removeStaleTemps, writeFileAtomic } from '../../io/atomic.js';
import { readManifest } from '../../data/shards/manifest.js';
import { makeSample } from '../../data/synth/make_sample.js';
import { SynthPool } from '../../data/synth/pool.js';
import { SEG_CLASSES } from '../../data/synth/world.js';
import { measureSpeed } from './bench.js';
import { buildClassify } from '../../data/synth/classify.js';
import { writePreview } from './preview.js';
import { shardSink, type SinkFactory } from './sink.js';
import { planSplits, type SplitCounts, type SplitPlan } from './splits.js';
import { writeSplit, type RunSettings } from './write_split.js';

/** Options of runSynth (the CLI's flags). */
export interface SynthOptions extends SplitCounts {
  /** Output folder. */
  out: string;
  /** Image side in pixels. */
  size: number;
  /** Web caption noise in [0, 1]. */
  noise: number;
  seed: number;
  /** Image encoding (default jpg). */
  image?: 'jpg' | 'png';
  /** Worker threads (default: the core count, at most 8; 0 = in this thread). */
  workers?: number;
  /** Samples per shard (default 1000). */
  shardSize?: number;
  /** Quality caption variants per image (default 6). */
  variants?: number;
  /** Write preview.png? */
  preview?: boolean;
  /** Images to time at 64x64 (a quarter as many at 224x224); 0 skips the speed check. */
  bench?: number;
  /** Where samples go (default: shards through the shard writer). */
  sink?: SinkFactory;
  log?: (s: string) => void;
}

/** What a run did. */
export interface SynthReport {
  splits: { name: string; count: number; seconds: number; imagesPerSecond: number; resumed: boolean }[];
  /** Images per second at 64x64 and 224x224 (when measured). */
  speed?: { size64: number; size224: number; workers: number };
  preview?: string;
}

/** synth.json: the settings, the finished splits (what a rerun may keep), the field layout and the last measured speed. */
interface RunRecord {
  settings: RunSettings;
  done: Record<string, number>;
  layout?: Record<string, string>;
  /** The label classes seg ids and det labels index (read back by tasks/classes.ts). */
  classes?: string[];
  speed?: SynthReport['speed'];
}

const LAYOUT: Record<string, string> = {
  labelled: '<split>/<split>-NNNNNN.tar: jpg|png, txt (a quality caption), syn.json, seg.png, inst.png, depth.png, normal.png, det.json, json',
  web: 'web/web-NNNNNN.tar: jpg|png, txt (web caption), json (key, split, index, seed only)',
  'web-gt': 'web-gt/web-gt-NNNNNN.tar: the web samples\' labels under the same keys (txt, syn.json, seg.png, inst.png, depth.png, normal.png, det.json, json)',
  classify: 'classify.json: zero-shot tasks (shape, colour, count) with classes, templates and labels in classify-split key order',
};

function checkOptions(o: SynthOptions): RunSettings {
  const fail = (m: string): never => { throw new Error(`zooclip synth: ${m}`); };
  if (!(Number.isInteger(o.size) && o.size >= 8 && o.size <= 2048)) fail(`--size must be a whole number in [8, 2048], got ${o.size}`);
  if (!(o.noise >= 0 && o.noise <= 1)) fail(`--noise must be in [0, 1], got ${o.noise}`);
  if (!Number.isSafeInteger(o.seed)) fail(`--seed must be a whole number, got ${o.seed}`);
  const image = o.image ?? 'jpg';
  if (image !== 'jpg' && image !== 'png') fail(`--image must be jpg or png, got ${String(image)}`);
  const shardSize = o.shardSize ?? 1000, variants = o.variants ?? 6;
  if (!(Number.isInteger(shardSize) && shardSize >= 1)) fail(`--shard-size must be a whole number >= 1, got ${shardSize}`);
  if (!(Number.isInteger(variants) && variants >= 1)) fail(`--variants must be a whole number >= 1, got ${variants}`);
  return { size: o.size, noise: o.noise, seed: o.seed, image, variants, shardSize };
}

/** Splits finished by an earlier run with the same settings whose shard manifests are complete. */
function finishedSplits(out: string, settings: RunSettings, plans: readonly SplitPlan[], sink: SinkFactory): Record<string, number> {
  const path = join(out, 'synth.json');
  if (sink !== shardSink || !existsSync(path)) return {};
  let rec: RunRecord;
  try { rec = JSON.parse(readFileSync(path, 'utf8')) as RunRecord; } catch { return {}; }
  if (JSON.stringify(rec.settings) !== JSON.stringify(settings)) return {};
  const done: Record<string, number> = {};
  const complete = (prefix: string, n: number): boolean => {
    const m = readManifest(join(out, prefix), prefix);
    return m?.complete === true && m.totals.samples === n;
  };
  for (const p of plans) {
    const n = rec.done?.[p.name];
    if (n === p.count && complete(p.name, n) && (!p.gtPrefix || complete(p.gtPrefix, n))) done[p.name] = n;
  }
  return done;
}

/**
 * Runs `zooclip synth`.
 * @example await runSynth({ out: 'data/synth', size: 64, zoo: 2000, web: 20000, probeTrain: 2000, probeTest: 1000, classify: 1000, noise: 0.5, seed: 0 })
 */
export async function runSynth(o: SynthOptions): Promise<SynthReport> {
  const log = o.log ?? console.log;
  const settings = checkOptions(o);
  const plans = planSplits(o);
  const sink = o.sink ?? shardSink;
  mkdirSync(o.out, { recursive: true });
  // synth.json / classify.json temps of a killed run; the split folders are cleaned by writeSplit.
  const stale = removeStaleTemps(o.out);
  if (stale.length) log(`zooclip synth: removed ${stale.length} stale temp file(s): ${stale.join(', ')}`);
  const record: RunRecord = { settings, done: finishedSplits(o.out, settings, plans, sink), layout: LAYOUT, classes: [...SEG_CLASSES] };
  const saveRecord = (): void => writeFileAtomic(join(o.out, 'synth.json'), JSON.stringify(record, null, 1) + '\n');
  const workers = o.workers ?? Math.min(8, availableParallelism());
  const pool = new SynthPool(workers);
  const report: SynthReport = { splits: [] };
  try {
    log(`zooclip synth: ${plans.map((p) => `${p.name} ${p.count}`).join(', ')} at ${settings.size}x${settings.size}, noise ${settings.noise}, seed ${settings.seed}, ${workers} worker(s) -> ${o.out}`);
    for (const plan of plans) {
      if (record.done[plan.name] === plan.count && (plan.name !== 'classify' || existsSync(join(o.out, 'classify.json')))) {
        log(`${plan.name}: already complete with these settings, kept`);
        report.splits.push({ name: plan.name, count: plan.count, seconds: 0, imagesPerSecond: 0, resumed: true });
        continue;
      }
      const r = await writeSplit(pool, plan, settings, o.out, sink, log);
      if (plan.name === 'classify') writeFileAtomic(join(o.out, 'classify.json'), JSON.stringify(buildClassify(plan.name, r.labels)) + '\n');
      record.done[plan.name] = plan.count;
      saveRecord();
      log(`${plan.name}: ${plan.count} samples in ${r.seconds.toFixed(1)} s (${r.imagesPerSecond.toFixed(0)} img/s at ${settings.size}x${settings.size})`);
      report.splits.push({ name: plan.name, count: plan.count, seconds: r.seconds, imagesPerSecond: r.imagesPerSecond, resumed: false });
    }
    if (o.preview) {
      report.preview = join(o.out, 'preview.png');
      const samples = [0, 1, 2, 3, 4, 5].map((index) => makeSample({ seed: settings.seed, split: 'zoo', index, size: settings.size, noise: settings.noise, variants: settings.variants }));
      await writePreview(report.preview, samples);
      log(`preview: ${report.preview}`);
    }
    const bench = o.bench ?? 0;
    if (bench > 0) {
      const size64 = await measureSpeed(pool, 64, bench, settings);
      const size224 = await measureSpeed(pool, 224, Math.max(8, Math.round(bench / 4)), settings);
      report.speed = { size64, size224, workers };
      record.speed = report.speed;
      saveRecord();
      log(`speed (render + encode every field, ${workers} worker(s)): ${size64.toFixed(0)} img/s at 64x64, ${size224.toFixed(0)} img/s at 224x224`);
    }
  } finally {
    await pool.close();
  }
  return report;
}
