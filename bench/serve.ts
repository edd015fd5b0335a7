// `npm run bench -- serve [--quick] [--towers ViT-B-16,MobileCLIP-S0] [--batches 1,8] [--threads 2]
// [--warmup 1] [--iters 5] [--engines libtorch,ort_fp32,ort_int8,web_wasm] [--cache runs/bench-serve]`:
// image-encoder latency (median ms per call) and throughput (images/s) of the towers at each batch on
// the engines a served model runs on: zooclip on libtorch (encodeImage, no grad, folded tower),
// onnxruntime-node on the exported fp32 and int8 vision graphs, and onnxruntime-web (wasm) in
// headless Chromium; random-init weights (seeded), random pixels, the same thread count everywhere.
// Ratio = engine ms / onnxruntime-node fp32 ms at the same tower and batch. The graphs come from the
// export code (bench/serve_export.ts) and must hold the libtorch tower's parameters.
import { getNumThreads, manualSeed, randn, setNumThreads, tidy } from '../src/engine/index.js';
import { type BenchTower, prepareTower } from './serve_export.js';
import { openOrtSession, relMaxDiff, timeLibtorch, timeOrt, type Timing } from './serve_engines.js';
import { type ServeBenchOptions, type ServeEngine, parseServeOptions } from './serve_options.js';
import { openWebBench } from './serve_web.js';

const TOWER_KEYS: Record<string, string> = { 'ViT-B-16': 'vit_b16', 'MobileCLIP-S0': 'mci0' };
const ENGINE_LABELS: Record<ServeEngine, string> = {
  libtorch: 'zooclip libtorch', ort_fp32: 'onnxruntime-node fp32', ort_int8: 'onnxruntime-node int8', web_wasm: 'onnxruntime-web wasm (Chromium)',
};

/** The JSON key of a tower config: vit_b16, mci0, or the config name in snake case. */
const towerKey = (config: string): string => TOWER_KEYS[config] ?? config.toLowerCase().replace(/[^a-z0-9]+/g, '_');

/** One timed (tower, batch, engine); diff = max |image_embeds - libtorch's| / max |libtorch's| on the same pixels. */
interface Row { tower: string; batch: number; engine: ServeEngine; ms: number; diff?: number }
interface TowerInfo { key: string; config: string; params: number; imageSize: number; dir: string; reused: boolean; files: BenchTower['files'] }

/** Seeded normal pixels [batch, 3, S, S] as the engines' shared input. */
function pixelsFor(batch: number, size: number, seed: number): Float32Array {
  manualSeed(seed + batch);
  return tidy(() => randn([batch, 3, size, size]).data() as Float32Array);
}

/**
 * libtorch and onnxruntime-node on one tower at every batch, one engine at a time (libtorch before any
 * onnxruntime session exists, each session released before the next opens), so no engine's idle
 * thread pool spins beside another's work; libtorch's outputs are the reference.
 */
async function timeNodeEngines(t: BenchTower, o: ServeBenchOptions, inputs: Map<string, Float32Array>, key: string): Promise<{ rows: Row[]; refs: Map<number, Float32Array> }> {
  const rows: Row[] = [], refs = new Map<number, Float32Array>();
  const shapeOf = (batch: number) => [batch, 3, t.imageSize, t.imageSize];
  const timed = o.engines.includes('libtorch');
  for (const batch of o.batches) {   // one untimed call when libtorch is only the reference
    const ref = timeLibtorch(t.model, inputs.get(`${key}_b${batch}`)!, shapeOf(batch), timed ? o.warmup : 0, timed ? o.iters : 1);
    refs.set(batch, ref.out);
    if (timed) rows.push({ tower: key, batch, engine: 'libtorch', ms: ref.ms });
  }
  const graphs = [['ort_fp32', t.files.fp32], ['ort_int8', t.files.q8]] as const;
  for (const [engine, file] of graphs.filter(([e]) => o.engines.includes(e))) {
    const session = await openOrtSession(file, o.threads);
    try {
      for (const batch of o.batches) {
        const r: Timing = await timeOrt(session, inputs.get(`${key}_b${batch}`)!, shapeOf(batch), o.warmup, o.iters);
        rows.push({ tower: key, batch, engine, ms: r.ms, diff: relMaxDiff(r.out, refs.get(batch)!) });
      }
    } finally {
      await session.release();
    }
  }
  return { rows, refs };
}

/** onnxruntime-web in Chromium on every tower's fp32 graph; returns its rows and the wasm threads it ran. */
async function timeWeb(towers: TowerInfo[], o: ServeBenchOptions, inputs: Map<string, Float32Array>, refs: Map<string, Float32Array>): Promise<{ rows: Row[]; threads: number; isolated: boolean }> {
  const web = await openWebBench(Object.fromEntries(towers.map((t) => [t.key, t.dir])), inputs, o.threads);
  const rows: Row[] = [];
  try {
    for (const [i, t] of towers.entries()) {
      if (i > 0) await web.reload();
      for (const batch of o.batches) {
        const r = await web.time(t.key, 'vision_model.onnx', `${t.key}_b${batch}`, [batch, 3, t.imageSize, t.imageSize], o.warmup, o.iters);
        rows.push({ tower: t.key, batch, engine: 'web_wasm', ms: r.ms, diff: relMaxDiff(r.out, refs.get(`${t.key}_b${batch}`)!) });
      }
    }
    return { rows, threads: web.threads(), isolated: web.isolated };
  } finally {
    await web.close();
  }
}

const ratioOf = (rows: Row[], r: Row): number => r.ms / rows.find((b) => b.tower === r.tower && b.batch === r.batch && b.engine === 'ort_fp32')!.ms;

/** The table: one line per tower, batch and engine. */
function printTable(rows: Row[], towers: TowerInfo[], o: ServeBenchOptions, webThreads: number | undefined): void {
  const web = webThreads === undefined ? '' : `; web ${webThreads} wasm thread(s) (1 + its workers)${webThreads === o.threads ? '' : ` NOT ${o.threads}: see web_isolated`}`;
  console.log(`serve: image encoders, ${o.threads} thread(s)${web}, median of ${o.iters} calls after ${o.warmup} warm-up, random init (seed ${o.seed}), ratio = ms / onnxruntime-node fp32 ms`);
  for (const t of towers) console.log(`${t.config}: ${t.params} image-tower parameters in libtorch and in both graphs (${t.imageSize} px), graphs ${t.reused ? 'reused from' : 'exported to'} ${t.dir}`);
  const head = ['tower', 'batch', 'engine', 'ms/call', 'img/s', 'ratio', 'max|d|/max|libtorch|'];
  const lines = rows.map((r) => [towers.find((t) => t.key === r.tower)!.config, String(r.batch), ENGINE_LABELS[r.engine], r.ms.toFixed(2),
    ((r.batch * 1000) / r.ms).toFixed(1), ratioOf(rows, r).toFixed(3), r.diff === undefined ? '-' : r.diff.toExponential(1)]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const l of [head, ...lines]) console.log(l.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}

/** The JSON line's fields: settings, towers, and per tower/batch/engine ms, img_s and ratio. */
function resultJson(rows: Row[], towers: TowerInfo[], o: ServeBenchOptions, web: { threads: number; isolated: boolean } | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {
    bench: 'serve', threads: o.threads, ...(web ? { web_threads: web.threads, web_isolated: web.isolated } : {}), warmup: o.warmup, iters: o.iters, seed: o.seed,
    towers: Object.fromEntries(towers.map((t) => [t.key, { config: t.config, params: t.params, image_size: t.imageSize }])),
  };
  for (const r of rows) {
    const k = `${r.tower}_b${r.batch}_${r.engine}`;
    Object.assign(result, { [`${k}_ms`]: +r.ms.toFixed(3), [`${k}_img_s`]: +((r.batch * 1000) / r.ms).toFixed(2), [`${k}_ratio`]: +ratioOf(rows, r).toFixed(3) });
    if (r.diff !== undefined) result[`${k}_rel_diff`] = +r.diff.toExponential(2);
  }
  return result;
}

/**
 * Times the image encoders (see the module comment), prints the table and, last, one JSON line.
 * @example await benchServe(['--quick']);  // ... {"bench":"serve","threads":2,...,"zooclip_tiny_test_b1_web_wasm_ratio":...}
 */
export async function benchServe(args: string[]): Promise<void> {
  const o = parseServeOptions(args);
  setNumThreads(o.threads);
  if (getNumThreads() !== o.threads) throw new Error(`bench serve: libtorch runs ${getNumThreads()} threads, not the ${o.threads} asked for`);
  const rows: Row[] = [], towers: TowerInfo[] = [], inputs = new Map<string, Float32Array>(), refs = new Map<string, Float32Array>();
  for (const config of o.towers) {
    const t = prepareTower(config, o.cache, o.seed), key = towerKey(config);
    try {
      for (const b of o.batches) inputs.set(`${key}_b${b}`, pixelsFor(b, t.imageSize, o.seed));
      const node = await timeNodeEngines(t, o, inputs, key);
      rows.push(...node.rows);
      for (const [b, out] of node.refs) refs.set(`${key}_b${b}`, out);
      towers.push({ key, config, params: t.params, imageSize: t.imageSize, dir: t.dir, reused: t.reused, files: t.files });
    } finally {
      t.model.dispose();
    }
  }
  const web = o.engines.includes('web_wasm') ? await timeWeb(towers, o, inputs, refs) : undefined;
  rows.push(...(web?.rows ?? []));
  const order = (r: Row) => towers.findIndex((t) => t.key === r.tower) * 1e6 + r.batch * 10 + o.engines.indexOf(r.engine);
  rows.sort((a, b) => order(a) - order(b));
  printTable(rows, towers, o, web?.threads);
  console.log(JSON.stringify(resultJson(rows, towers, o, web)));
}
