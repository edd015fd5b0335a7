// `zooclip eval`: loads a model, runs the chosen evaluation tasks on a synthetic world or a shard
// set, and writes eval.json (after every task, so finished tasks survive a crash) and report.html.
// Tasks are entries of EVAL_TASKS: each returns JSON results, summary rows for the printed table
// and report sections, so dense probes plug in without touching the runner.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDevice, getNumThreads, setNumThreads, type Tensor } from '../engine/index.js';
import type { CLIP } from '../models/clip.js';
import { tokenize } from '../tokenizer/index.js';
import { expandShardSpec } from '../data/shards/index.js';
import { writeFileAtomic } from '../io/atomic.js';
import { loadModelForEval, type LoadedModel } from './load_model.js';
import { classifyTasks, userTasks, zeroShotEval, type EvalBatching } from './zero_shot.js';
import { countsLine, type DataCounts } from '../data/loader/index.js';
import { retrievalEval, type CaptionSet } from './retrieval.js';
import { writeReport } from './report/html.js';
import { retrievalSection, zeroShotSection } from './report/sections.js';
import type { Cell, Report, Section } from './report/types.js';
import { probeTask, type ProbeSettings } from './probe_tasks.js';
import { tarsIn } from '../data/shards/folder.js';
import { DENSE_TASK_NAMES } from '../tasks/names.js';

/** The splits of a synthetic world, in the order retrieval looks for captioned images. */
const WORLD_SPLITS = ['probe-test', 'classify', 'probe-train', 'zoo', 'web'];

/** Where the evaluation data is: a synthetic world (split folders) or one shard set. */
export interface EvalData {
  kind: 'world' | 'shards';
  /** The world folder, or the shard spec as given. */
  root: string;
  /** Shards of a world split (error naming it when absent), or the shard set for kind 'shards'. */
  shards(split?: string): string[];
  /** Whether a world has this split. */
  has(split: string): boolean;
}


/**
 * Resolves --data: a synthetic world (a folder with classify.json or split folders of shards), a
 * folder of .tar shards, a .tar file, or a brace spec (`val-{000..009}.tar`).
 * @example resolveData('data/synth').shards('probe-test')
 */
export function resolveData(spec: string): EvalData {
  const p = resolve(spec);
  const isDir = existsSync(p) && statSync(p).isDirectory();
  if (isDir && (existsSync(join(p, 'classify.json')) || WORLD_SPLITS.some((s) => tarsIn(join(p, s)).length))) {
    return {
      kind: 'world', root: p, has: (s) => tarsIn(join(p, s)).length > 0,
      shards: (split) => {
        if (!split) throw new Error(`eval: ${p} is a synthetic world: name a split (${WORLD_SPLITS.join(', ')})`);
        const t = tarsIn(join(p, split));
        if (!t.length) throw new Error(`eval: the world ${p} has no split '${split}' (no .tar shards in ${join(p, split)})`);
        return t;
      },
    };
  }
  const list = isDir ? tarsIn(p) : expandShardSpec(spec);
  if (!list.length) throw new Error(`eval: --data ${spec}: no .tar shards there`);
  const missing = list.find((f) => !existsSync(f));
  if (missing) throw new Error(`eval: --data ${spec}: no shard ${missing}`);
  return { kind: 'shards', root: spec, has: () => false, shards: () => list };
}

/** Settings of an evaluation run. */
export interface EvalOptions {
  /** Checkpoint folder, run folder, open_clip folder, or config name / JSON (random init). */
  model: string;
  data: string;
  tasks: string[];
  out: string;
  device?: string;
  /** Images (and texts) per batch. */
  batch: number;
  workers: number;
  /** Use a checkpoint's EMA weights when present. */
  ema: boolean;
  /** Seed of a random-init model and of probe training. */
  seed: number;
  /** Intra-op threads (0 = libtorch's default). */
  threads?: number;
  /** Zero-shot: a user classes file (classes + templates), instead of the world's classify.json. */
  classes?: string;
  /** Zero-shot: the shard field holding each label (default cls; `json:key` for a key of the json field). */
  labelField?: string;
  /** The world split to use (zero-shot with --classes: default classify; retrieval: default the first captioned split). */
  split?: string;
  /** Retrieval captions: txt, syn (all of syn.json) or all. */
  captions: CaptionSet;
  /** Dense probe settings (tasks seg, depth, normals, det). */
  probe?: Partial<ProbeSettings>;
  /** Fail a task when more than this share of its images is skipped (default 0.05). */
  maxSkipRate?: number;
  /** Pixel budget per image (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  log?: (s: string) => void;
}

/** What a task gets. */
export interface EvalContext {
  model: CLIP;
  loaded: LoadedModel;
  data: EvalData;
  options: EvalOptions;
  device: string;
  imageSize: number;
  tokenize: (t: string[]) => Tensor;
  log: (s: string) => void;
}

/** One row of the printed summary table. */
export interface SummaryRow { task: string; metric: string; value: number; percent?: boolean }

/** What a task returns: its JSON result, summary rows, report sections, and what its pass read. */
export interface TaskOutput { result: unknown; summary: SummaryRow[]; sections: Section[]; read?: DataCounts }

/** The loader settings of a zero-shot or retrieval pass, with a place for what it read. */
function batching(ctx: EvalContext): EvalBatching & { read: DataCounts[] } {
  const o = ctx.options, read: DataCounts[] = [];
  return { batch: o.batch, imageSize: ctx.imageSize, workers: o.workers, maxSkipRate: o.maxSkipRate, maxPixels: o.maxPixels, norm: ctx.model.cfg.preprocess_cfg, read, onData: (c) => read.push(c) };
}

/** An evaluation task of `zooclip eval --tasks`. */
export interface EvalTask { description: string; run(ctx: EvalContext): Promise<TaskOutput> }

async function zeroShotTask(ctx: EvalContext): Promise<TaskOutput> {
  const { data, options: o } = ctx;
  let shards: string[], tasks;
  if (o.classes) {
    shards = data.kind === 'world' ? data.shards(o.split ?? 'classify') : data.shards();
    tasks = await userTasks(o.classes, shards, o.labelField);
  } else {
    if (data.kind !== 'world') throw new Error(`eval: zero-shot on shards needs --classes <file.json> (classes and templates) and a label field (--label-field, default cls)`);
    shards = data.shards('classify');
    tasks = classifyTasks(data.root);
  }
  const b = batching(ctx);
  const r = await zeroShotEval(ctx.model, shards, tasks, ctx.tokenize, ctx.device, b);
  const summary = Object.entries(r).flatMap(([name, t]) => [
    { task: `zeroshot/${name}`, metric: 'top-1', value: t.top1, percent: true }, { task: `zeroshot/${name}`, metric: 'top-5', value: t.top5, percent: true },
    { task: `zeroshot/${name}`, metric: 'chance', value: t.chance, percent: true },
  ]);
  return { result: r, summary, sections: [zeroShotSection(r)], read: b.read[0] };
}

async function retrievalTask(ctx: EvalContext): Promise<TaskOutput> {
  const { data, options: o } = ctx;
  const split = data.kind === 'world' ? o.split ?? WORLD_SPLITS.find((s) => data.has(s)) : undefined;
  const b = batching(ctx);
  const r = await retrievalEval(ctx.model, data.shards(split), ctx.tokenize, ctx.device, { ...b, captions: o.captions });
  const rows = (dir: string, v: typeof r.imageToText): SummaryRow[] => (['r1', 'r5', 'r10'] as const).map((k) => ({ task: `retrieval/${dir}`, metric: `R@${k.slice(1)}`, value: v[k], percent: true }));
  return { result: { ...r, split: split ?? null }, summary: [...rows('i2t', r.imageToText), ...rows('t2i', r.textToImage)], sections: [retrievalSection(r)], read: b.read[0] };
}

/** The tasks `--tasks` can name. */
export const EVAL_TASKS: Record<string, EvalTask> = {
  zeroshot: { description: 'zero-shot classification: top-1/top-5, per-class recall (classify.json or --classes)', run: zeroShotTask },
  retrieval: { description: 'image-text retrieval recall@1/5/10 both ways', run: retrievalTask },
  ...Object.fromEntries(DENSE_TASK_NAMES.map((t) => [t, probeTask(t)])),
};

/** eval.json. */
export interface EvalResult {
  version: 1;
  created: string;
  model: Omit<LoadedModel, 'model'> & { params: number; imageSize: number };
  /** The data, and what each task's pass read: images used and skipped (by reason). */
  data: { kind: EvalData['kind']; root: string; read: Record<string, DataCounts> };
  device: string;
  /** Results by task name (finished tasks only while running). */
  tasks: Record<string, unknown>;
  summary: SummaryRow[];
  seconds: Record<string, number>;
}

/** The summary rows as an aligned text table. */
export function summaryTable(rows: SummaryRow[]): string {
  const cells = rows.map((r) => [r.task, r.metric, r.percent ? `${(100 * r.value).toFixed(1)}%` : Number.isFinite(r.value) ? r.value.toFixed(4) : '–']);
  const all = [['task', 'metric', 'value'], ...cells];
  const w = [0, 1, 2].map((i) => Math.max(...all.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `${c[0]!.padEnd(w[0]!)}  ${c[1]!.padEnd(w[1]!)}  ${c[2]!.padStart(w[2]!)}`;
  return [line(all[0]!), w.map((n) => '-'.repeat(n)).join('  '), ...cells.map(line)].join('\n');
}

/** The report of an evaluation: the setup table, then each task's sections. */
export function evalReport(r: EvalResult, sections: Section[]): Report {
  const setup: [string, Cell][] = [
    ['model', r.model.spec], ['kind', r.model.kind], ['path', r.model.path], ['weights', r.model.weights], ['architecture', r.model.modelName],
    ...(r.model.step !== undefined ? [['training step', r.model.step] as [string, Cell]] : []),
    ['parameters', `${(r.model.params / 1e6).toFixed(2)} M`], ['image size', r.model.imageSize], ['data', `${r.data.root} (${r.data.kind})`], ['device', r.device],
    ['tasks', Object.keys(r.tasks).join(', ')], ['seconds', Object.entries(r.seconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')],
  ];
  return { title: `zooclip eval: ${r.model.spec}`, subtitle: `on ${r.data.root}`, created: r.created, setup, sections };
}

/**
 * Runs the evaluation tasks and writes out/eval.json and out/report.html.
 * @example await runEval({ model: 'runs/train', data: 'data/synth', tasks: ['zeroshot', 'retrieval'], out: 'runs/eval', batch: 64, workers: 2, ema: true, seed: 0, captions: 'txt' });
 */
export async function runEval(o: EvalOptions): Promise<EvalResult> {
  const log = o.log ?? console.log;
  const unknown = o.tasks.filter((t) => !EVAL_TASKS[t]);
  if (!o.tasks.length || unknown.length) throw new Error(`eval: unknown task(s) ${unknown.join(', ') || '(none given)'} (known: ${Object.keys(EVAL_TASKS).join(', ')})`);
  if (o.threads) setNumThreads(o.threads);
  const device = o.device || defaultDevice();
  const data = resolveData(o.data);
  const loaded = loadModelForEval(o.model, { device, ema: o.ema, seed: o.seed });
  const { model, ...about } = loaded;
  const imageSize = model.cfg.vision_cfg.image_size, ctxLen = model.cfg.text_cfg.context_length;
  mkdirSync(o.out, { recursive: true });
  const result: EvalResult = {
    version: 1, created: new Date().toISOString(), model: { ...about, params: model.numParams(), imageSize }, data: { kind: data.kind, root: data.root, read: {} },
    device, tasks: {}, summary: [], seconds: {},
  };
  log(`zooclip eval: ${o.model} (${about.kind}, ${about.weights} weights${about.step !== undefined ? `, step ${about.step}` : ''}) on ${data.root}, device ${device}, ${getNumThreads()} threads`);
  const ctx: EvalContext = { model, loaded, data, options: o, device, imageSize, tokenize: (t) => tokenize(t, ctxLen), log };
  const sections: Section[] = [];
  try {
    for (const name of o.tasks) {
      const t0 = performance.now();
      log(`[${name}] ${EVAL_TASKS[name]!.description}`);
      const out = await EVAL_TASKS[name]!.run(ctx);
      result.tasks[name] = out.result;
      result.summary.push(...out.summary);
      result.seconds[name] = (performance.now() - t0) / 1000;
      if (out.read) {
        result.data.read[name] = out.read;
        log(`[${name}] ${countsLine(out.read, 'images')}`);
      }
      sections.push(...out.sections);
      writeFileAtomic(join(o.out, 'eval.json'), JSON.stringify(result, null, 2) + '\n');
    }
  } finally {
    model.dispose();
  }
  writeReport(join(o.out, 'report.html'), evalReport(result, sections));
  log(summaryTable(result.summary));
  log(`wrote ${join(o.out, 'eval.json')} and ${join(o.out, 'report.html')}`);
  return result;
}
