// What `zooclip serve` learns from an exported model folder (docs/serve.md): the model's image size
// and context length (from zooclip_export.json, else the metadata of onnx/model.onnx), the image
// preprocessing (preprocessor_config.json, else OpenAI's normalisation and bicubic), the tokenizer
// vocabulary (tokenizer.json, else the standard CLIP vocabulary) and which dense heads it has (each:
// onnx/image_features.onnx, onnx/<task>_head.onnx and its spec onnx/<task>_head.json).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModelProto } from '../../io/onnx/index.js';
import { OPENAI_MEAN, OPENAI_STD } from '../../data/loader/augment.js';

/** The dense tasks the API answers (the dense-task table's names); the page draws seg, depth and normals. */
export const SERVE_TASKS = ['seg', 'depth', 'normals', 'det'] as const;
export type ServeTask = (typeof SERVE_TASKS)[number];

/** The files a task's head needs in the folder (what src/zoo/onnx/heads.ts reads). */
const headFiles = (task: ServeTask): string[] => ['image_features.onnx', `${task}_head.onnx`, `${task}_head.json`];

/** How images are made into pixel_values. */
export interface ServePreprocess {
  size: number;
  mean: [number, number, number];
  std: [number, number, number];
  interpolation: 'bicubic' | 'bilinear';
}

/** A model folder as the server sees it. */
export interface ModelFolder {
  dir: string;
  name: string;
  imageSize: number;
  contextLength: number;
  preprocess: ServePreprocess;
  /** The tokenizer.json path when the folder has one (else the standard CLIP vocabulary is used). */
  tokenizerJson?: string;
  /** Dense heads found (all three files there): task -> its spec (the head's JSON). */
  heads: Partial<Record<ServeTask, Record<string, unknown>>>;
}

function readJson(file: string): Record<string, unknown> {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('expected a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

function positiveInt(v: unknown, where: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw new Error(`${where}: expected a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

/** name, image size and context length from the manifest, else from onnx/model.onnx's metadata_props. */
function modelFacts(dir: string): { name: string; imageSize: number; contextLength: number } {
  const manifest = join(dir, 'zooclip_export.json');
  if (existsSync(manifest)) {
    const m = (readJson(manifest).model ?? {}) as Record<string, unknown>;
    return { name: String(m.name ?? 'model'), imageSize: positiveInt(m.image_size, `${manifest}: model.image_size`), contextLength: positiveInt(m.context_length, `${manifest}: model.context_length`) };
  }
  const onnx = join(dir, 'onnx', 'model.onnx');
  const props = (decodeModelProto(readFileSync(onnx)).metadataProps ?? []) as { key: string; value: string }[];
  const get = (k: string): string | undefined => props.find((p) => p.key === k)?.value;
  return { name: 'model', imageSize: positiveInt(get('image_size'), `${onnx}: metadata image_size`), contextLength: positiveInt(get('context_length'), `${onnx}: metadata context_length`) };
}

function triple(v: unknown, fallback: readonly number[], where: string): [number, number, number] {
  const t = v ?? fallback;
  if (!Array.isArray(t) || t.length !== 3 || !t.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new Error(`${where}: expected 3 numbers, got ${JSON.stringify(v)}`);
  return [t[0], t[1], t[2]];
}

/** preprocessor_config.json (Hugging Face CLIPImageProcessor keys) or the defaults. resample 3 = bicubic, 2 = bilinear. */
function preprocessOf(dir: string, imageSize: number): ServePreprocess {
  const file = join(dir, 'preprocessor_config.json');
  const p = existsSync(file) ? readJson(file) : {};
  const resample = p.resample ?? 3;
  if (resample !== 3 && resample !== 2) throw new Error(`${file}: resample ${JSON.stringify(resample)}: serve implements 3 (bicubic) and 2 (bilinear)`);
  return { size: imageSize, mean: triple(p.image_mean, OPENAI_MEAN, `${file}: image_mean`), std: triple(p.image_std, OPENAI_STD, `${file}: image_std`), interpolation: resample === 3 ? 'bicubic' : 'bilinear' };
}

/**
 * Reads what the server needs from an exported folder; throws naming the file that is missing or bad.
 * @example const f = readModelFolder('out/tiny'); f.imageSize; // 64
 */
export function readModelFolder(dir: string): ModelFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`serve: --model ${dir} is not a folder`);
  const onnx = join(dir, 'onnx', 'model.onnx');
  if (!existsSync(onnx)) throw new Error(`serve: ${onnx} is missing (the folder is not a zooclip export: run zooclip export first)`);
  const facts = modelFacts(dir);
  const heads: ModelFolder['heads'] = {};
  for (const task of SERVE_TASKS) {
    if (headFiles(task).every((f) => existsSync(join(dir, 'onnx', f)))) heads[task] = readJson(join(dir, 'onnx', `${task}_head.json`));
  }
  const tok = join(dir, 'tokenizer.json');
  return { dir, ...facts, preprocess: preprocessOf(dir, facts.imageSize), tokenizerJson: existsSync(tok) ? tok : undefined, heads };
}

/**
 * Why a dense task cannot run on this folder (naming the files it lacks), or undefined when it can.
 * @example missingHead(folder, 'seg') // "the model folder has no seg head: onnx/seg_head.onnx, onnx/seg_head.json not in it (export the model with its seg head)"
 */
export function missingHead(folder: ModelFolder, task: ServeTask): string | undefined {
  if (folder.heads[task]) return undefined;
  const missing = headFiles(task).filter((f) => !existsSync(join(folder.dir, 'onnx', f)));
  return `the model folder has no ${task} head: onnx/${missing.join(', onnx/')} not in it (export the model with its ${task} head)`;
}

/**
 * Each task the folder lacks, with the files its head needs (for GET /v1/info and the start-up line).
 * @example missingHeads(folder) // ['det: onnx/image_features.onnx + onnx/det_head.onnx + onnx/det_head.json']
 */
export function missingHeads(folder: ModelFolder): string[] {
  return SERVE_TASKS.filter((t) => !folder.heads[t]).map((t) => `${t}: onnx/${headFiles(t).join(' + onnx/')}`);
}
