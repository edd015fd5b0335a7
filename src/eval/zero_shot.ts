// Zero-shot classification: each class is embedded as the mean of its prompt templates' text
// embeddings (renormalised), each image is assigned the classes of highest cosine similarity.
// Reports top-1, top-5, per-class recall, balanced accuracy and chance, per task. Tasks come from
// the synthetic world's classify.json, or from a user JSON of classes + templates with labels read
// from a field of the shards.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cat, keep, noGrad, tidy, topk, type Tensor } from '../engine/index.js';
import { Loader, shardSource, type DataCounts } from '../data/loader/index.js';
import { loaderNorm, type ImageNorm } from '../data/loader/preprocess.js';
import { readShards } from '../data/shards/index.js';
import type { ClassifyFile } from '../data/synth/classify.js';
import { readJsonFile } from '../config/json_file.js';

/** What zero-shot evaluation needs of a model (CLIP has it; tests can hand-build one). */
export interface DualEncoder {
  training: boolean;
  train(on?: boolean): unknown;
  encodeImage(images: Tensor): Tensor;
  encodeText(ids: Tensor): Tensor;
}

/** One zero-shot task: class names, prompt templates ('{}' = the class name), a label per sample key. */
export interface ZeroShotTask {
  classes: string[];
  templates: string[];
  /** Class index by sample key; samples not listed (or with a negative index) are not scored. */
  labels: Map<string, number>;
  description?: string;
}

/** Recall of one class: the share of its images whose top-1 prediction is that class. */
export interface ClassRecall { name: string; recall: number; images: number }

/** Result of one task. top1/chance/classes/images are what training and the demo report. */
export interface ZeroShotResult {
  top1: number;
  top5: number;
  /** 1 / classes: uniform guessing. */
  chance: number;
  /** The share of the most frequent class: always guessing it. */
  majority: number;
  /** Mean of per-class recall over classes that have images. */
  balanced: number;
  classes: number;
  images: number;
  perClass: ClassRecall[];
}

/**
 * Metrics from ranked predictions: `ranked[i]` lists image i's best classes, best first (at least
 * 5 or all classes); `labels[i]` its true class.
 * @example classificationMetrics([[0, 1], [0, 1]], [0, 1], ['a', 'b']).top1 // 0.5
 */
export function classificationMetrics(ranked: readonly (readonly number[])[], labels: readonly number[], classes: readonly string[]): ZeroShotResult {
  if (ranked.length !== labels.length) throw new Error(`zero-shot: ${ranked.length} predictions for ${labels.length} labels`);
  const c = classes.length, n = labels.length;
  const count = new Array<number>(c).fill(0), hit = new Array<number>(c).fill(0);
  let top1 = 0, top5 = 0;
  labels.forEach((y, i) => {
    if (!(Number.isInteger(y) && y >= 0 && y < c)) throw new Error(`zero-shot: label ${y} of image ${i} is not a class index in [0, ${c})`);
    const r = ranked[i]!;
    count[y]! += 1;
    if (r[0] === y) { top1++; hit[y]! += 1; }
    if (r.slice(0, 5).includes(y)) top5++;
  });
  const perClass = classes.map((name, k) => ({ name, recall: count[k] ? hit[k]! / count[k]! : 0, images: count[k]! }));
  const present = perClass.filter((p) => p.images > 0);
  return {
    top1: n ? top1 / n : 0, top5: n ? top5 / n : 0, chance: c ? 1 / c : 0, majority: n ? Math.max(...count) / n : 0,
    balanced: present.length ? present.reduce((a, p) => a + p.recall, 0) / present.length : 0, classes: c, images: n, perClass,
  };
}

/** Fills '{}' (every occurrence) of a template with a class name. */
export function fillTemplate(template: string, name: string): string {
  return template.split('{}').join(name);
}

/**
 * The prompts of a zero-shot classifier, class-major: every template filled with class 0, then class 1, ...
 * @example templatePrompts(['cube', 'sphere'], ['a {}.', 'a photo of a {}.']) // ['a cube.', 'a photo of a cube.', 'a sphere.', ...]
 */
export function templatePrompts(classes: readonly string[], templates: readonly string[]): string[] {
  if (!templates.length) throw new Error('zero-shot: no prompt templates');
  return classes.flatMap((c) => templates.map((t) => fillTemplate(t, c)));
}

/**
 * Class embeddings [C, D] from the normalised embeddings [C * T, D] of templatePrompts' prompts:
 * each class's T template embeddings averaged, then renormalised (open_clip's zero-shot classifier).
 * @example const w = averageTemplates(model.encodeText(tokenize(templatePrompts(classes, templates), 77)), classes.length);
 */
export function averageTemplates(promptEmbeddings: Tensor, classes: number): Tensor {
  return tidy(() => {
    const f = promptEmbeddings, t = f.size(0) / classes;
    if (!Number.isInteger(t) || t < 1) throw new Error(`zero-shot: ${f.size(0)} prompt embeddings do not split into ${classes} classes`);
    const m = f.reshape([classes, t, f.size(1)]).mean(1);
    return m.div(m.norm(2, -1, true));
  });
}

/**
 * Normalised class embeddings [C, D]: each class's template embeddings averaged, renormalised.
 * @example const w = classEmbeddings(model, ['cube', 'sphere'], ['a photo of a {}.'], (t) => tokenize(t, 77), 'cpu');
 */
export function classEmbeddings(model: DualEncoder, classes: readonly string[], templates: readonly string[], tokenize: (t: string[]) => Tensor, device: string,
  chunk = 256): Tensor {
  const prompts = templatePrompts(classes, templates);
  return noGrad(() => tidy(() => {
    // Every prompt of every class in a few large batches: far fewer, larger text-tower passes.
    const parts: Tensor[] = [];
    for (let s = 0; s < prompts.length; s += chunk) parts.push(tidy(() => model.encodeText(tokenize(prompts.slice(s, s + chunk)).to(device))));
    return averageTemplates(cat(parts, 0), classes.length);
  }));
}

/**
 * The k best classes per image (best first) from normalised image features [B, D] and class
 * embeddings [C, D], k capped at C.
 * @example rankClasses(features, classEmbeddings(...), 5) // [[3, 0, 1, 4, 2], ...]
 */
export function rankClasses(imageFeatures: Tensor, classEmb: Tensor, k: number): number[][] {
  return tidy(() => {
    const logits = imageFeatures.to(classEmb.device).matmul(classEmb.transpose(0, 1));
    const kk = Math.min(k, classEmb.size(0));
    const flat = topk(logits, kk, -1)[1].toArray();
    return Array.from({ length: logits.size(0) }, (_, i) => flat.slice(i * kk, (i + 1) * kk));
  });
}

/** Loader settings of an evaluation pass. */
export interface EvalBatching {
  batch: number;
  imageSize: number;
  workers: number;
  /** Fail the pass when more than this share of the images is skipped (default 0.05): a score on what is left would not be the data set's. */
  maxSkipRate?: number;
  /** Pixel budget per image (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  /** Told what the pass read: images scored and skipped, by reason. */
  onData?: (counts: DataCounts) => void;
  /** The model's normalisation and eval filter (its preprocess_cfg; default OpenAI's, bicubic). */
  norm?: ImageNorm;
}

/**
 * The Loader of an evaluation pass over `shards` (in order, eval transform, the pass's skip limit and pixel budget).
 * @example const loader = evalLoader(tarsIn('world/classify'), { batch: 64, imageSize: 64, workers: 2 });
 */
export function evalLoader(shards: string | string[], o: EvalBatching): Loader {
  return new Loader({ source: shardSource(shards), batchSize: o.batch, imageSize: o.imageSize, train: false, workers: o.workers, shuffle: 0, maxSkipRate: o.maxSkipRate, maxPixels: o.maxPixels,
    ...loaderNorm(o.norm) });
}

/**
 * Zero-shot accuracy of every task over the images of `shards` (a list or spec of .tar files).
 * The model is evaluated in eval mode and put back in its previous mode.
 * @example const r = await zeroShotEval(model, shardsIn('world/classify'), classifyTasks('world'), tok, 'cpu', { batch: 64, imageSize: 64, workers: 2 });
 */
export async function zeroShotEval(model: DualEncoder, shards: string | string[], tasks: Record<string, ZeroShotTask>, tokenize: (t: string[]) => Tensor,
  device: string, o: EvalBatching): Promise<Record<string, ZeroShotResult>> {
  const entries = Object.entries(tasks);
  const wasTraining = model.training;
  model.train(false);
  const text: Tensor[] = [];
  const ranked = entries.map(() => [] as number[][]), labels = entries.map(() => [] as number[]);
  const loader = evalLoader(shards, o);
  try {
    for (const [, t] of entries) text.push(keep(classEmbeddings(model, t.classes, t.templates, tokenize, device)));
    for await (const batch of loader) {
      try {
        noGrad(() => tidy(() => {
          const feats = model.encodeImage(batch.images.to(device));
          entries.forEach(([, t], ti) => {
            const rows = batch.keys.map((k, i) => [i, t.labels.get(k) ?? -1] as const).filter(([, y]) => y >= 0);
            if (!rows.length) return;
            const top = rankClasses(feats, text[ti]!, 5);
            for (const [i, y] of rows) { ranked[ti]!.push(top[i]!); labels[ti]!.push(y); }
          });
        }));
      } finally {
        batch.dispose();
      }
    }
    o.onData?.(loader.counts());
  } finally {
    await loader.close();
    for (const t of text) t.dispose();
    model.train(wasTraining);
  }
  return Object.fromEntries(entries.map(([name, t], ti) => [name, classificationMetrics(ranked[ti]!, labels[ti]!, t.classes)]));
}

/**
 * The tasks of a synthetic world's classify.json (labels keyed by the classify split's keys).
 * @example const tasks = classifyTasks('data/synth'); Object.keys(tasks) // ['shape', 'colour', 'count']
 */
export function classifyTasks(root: string): Record<string, ZeroShotTask> {
  const file = join(root, 'classify.json');
  if (!existsSync(file)) throw new Error(`zero-shot: no ${file} (make one with: zooclip synth --classify N)`);
  const cls = readJsonFile(file, 'zero-shot tasks') as ClassifyFile;
  const out: Record<string, ZeroShotTask> = {};
  for (const [name, t] of Object.entries(cls.tasks)) {
    if (t.labels.length !== cls.keys.length) throw new Error(`${file}: task '${name}' has ${t.labels.length} labels for ${cls.keys.length} keys`);
    out[name] = { classes: t.classes, templates: t.templates, description: t.description, labels: new Map(cls.keys.map((k, i) => [k, t.labels[i]!])) };
  }
  return out;
}

/** A user task in a classes file: classes, templates, and where each sample's label is. */
interface UserTask { classes?: unknown; templates?: unknown; label?: unknown; labels?: unknown; description?: unknown }

const decoder = new TextDecoder();

/** The label of a sample from a field value: a class index (-1 = unlabelled) or a class name (trimmed). */
function parseLabel(raw: unknown, classes: readonly string[], where: string): number {
  const s = String(raw).trim();
  if (/^-?\d+$/.test(s)) {
    const y = Number(s);
    if (y >= classes.length || y < -1) throw new Error(`${where}: label ${y} is outside [0, ${classes.length}) (-1 = unlabelled)`);
    return y;
  }
  const i = classes.indexOf(s);
  if (i < 0) throw new Error(`${where}: label '${s}' is neither a class index nor one of the ${classes.length} class names`);
  return i;
}

/** Reads one sample's label from `field` (e.g. `cls`) or `field:key` (a key of a JSON field, e.g. `json:label`). */
function sampleLabel(fields: Map<string, Uint8Array>, spec: string, classes: readonly string[], where: string): number | undefined {
  const [field, key] = spec.includes(':') ? spec.split(':', 2) as [string, string] : [spec, undefined];
  const bytes = fields.get(field);
  if (!bytes) return undefined;
  const text = decoder.decode(bytes);
  if (key === undefined) return parseLabel(text, classes, where);
  const obj = JSON.parse(text) as Record<string, unknown>;
  return obj[key] === undefined ? undefined : parseLabel(obj[key], classes, where);
}

function stringList(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.length || !v.every((x) => typeof x === 'string')) throw new Error(`${what} must be a non-empty list of strings`);
  return v as string[];
}

/**
 * Tasks from a user classes file: `{classes, templates, label?}` (one task named after the file's
 * `name`, default 'classes') or `{tasks: {name: {classes, templates, label?}}, label?}`, or a
 * classify.json (tasks with `labels` beside top-level `keys`). Otherwise labels come from each
 * sample's `label` field of `shards` (default `cls`; `json:key` reads a key of the json field),
 * holding a class index or name.
 * @example const tasks = await userTasks('imagenet-classes.json', 'val-{000..009}.tar', 'cls');
 */
export async function userTasks(file: string, shards: string | string[], labelField?: string): Promise<Record<string, ZeroShotTask>> {
  if (!existsSync(file)) throw new Error(`zero-shot: no classes file ${file}`);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const raw = (doc.tasks ?? { [typeof doc.name === 'string' ? doc.name : 'classes']: doc }) as Record<string, UserTask>;
  const keys = Array.isArray(doc.keys) ? (doc.keys as string[]) : null;
  const tasks: Record<string, ZeroShotTask> = {};
  const fromShards: [string, string][] = [];
  for (const [name, t] of Object.entries(raw)) {
    const classes = stringList(t.classes, `${file}: task '${name}' classes`);
    const templates = t.templates === undefined ? ['{}'] : stringList(t.templates, `${file}: task '${name}' templates`);
    tasks[name] = { classes, templates, labels: new Map(), description: typeof t.description === 'string' ? t.description : undefined };
    if (keys && Array.isArray(t.labels)) {
      if (t.labels.length !== keys.length) throw new Error(`${file}: task '${name}' has ${t.labels.length} labels for ${keys.length} keys`);
      keys.forEach((k, i) => tasks[name]!.labels.set(k, parseLabel((t.labels as unknown[])[i], classes, `${file} task '${name}'`)));
    } else {
      fromShards.push([name, (labelField ?? (typeof t.label === 'string' ? t.label : undefined) ?? (typeof doc.label === 'string' ? doc.label : 'cls'))]);
    }
  }
  if (fromShards.length) {
    for await (const s of readShards(shards)) {
      for (const [name, field] of fromShards) {
        const y = sampleLabel(s.fields, field, tasks[name]!.classes, `${s.shard} key ${s.key} field ${field}`);
        if (y !== undefined) tasks[name]!.labels.set(s.key, y);
      }
    }
    for (const [name, field] of fromShards) {
      if (!tasks[name]!.labels.size) throw new Error(`zero-shot: task '${name}': no sample of ${Array.isArray(shards) ? shards.join(', ') : shards} has a '${field}' label`);
    }
  }
  return tasks;
}
