// The typed task functions of the public API: embeddings, zero-shot classification and the dense
// tasks, over a TaskModel from either backend (libtorch or onnxruntime). Every function takes
// images as paths, encoded bytes or decoded RGB, and answers per image, in input order.
import { tensor, tidy } from '../engine/index.js';
import { preprocessImages } from '../data/loader/preprocess.js';
import { tokenize } from '../tokenizer/index.js';
import { averageTemplates, templatePrompts } from '../eval/zero_shot.js';
import type { DenseTaskName, DepthMap, ExpertOutput, NormalMap } from '../zoo/types.js';
import { backendOf, TaskModel, type Backend, type BackendName } from './backend.js';
import { encodedImages, toRgbImages, type ImageInput } from './image.js';
import { torchBackend } from './torch_backend.js';
import { onnxBackend } from './onnx_backend.js';

/** Options of loadTaskModel. */
export interface LoadTaskModelOptions {
  /** libtorch (default): zooclip's modules; onnx: onnxruntime-node on an exported folder. */
  backend?: BackendName;
  /** libtorch: device (default cpu). */
  device?: string;
  /** libtorch: a checkpoint's EMA weights when saved (default true). */
  ema?: boolean;
  /** libtorch: seed of a random init from a model name (default 0). */
  seed?: number;
  /** Class names of seg ids and det labels (default: the model's own, else the ids as text). */
  classes?: readonly string[];
  /** onnx: intra-op threads (default: onnxruntime's). */
  threads?: number;
}

/**
 * Loads a model for the task functions. libtorch: a training checkpoint (with its CLIPTeX dense
 * heads), a run folder (its newest checkpoint), an open_clip folder, an expert folder
 * (expert.json: one dense head) or a built-in name (random init). onnx: an exported folder
 * (onnx/vision_model.onnx, text_model.onnx, model.onnx for the logit scale).
 * @example
 * import { loadTaskModel, classify } from 'zooclip';
 * const model = await loadTaskModel('runs/train');                            // libtorch
 * const web = await loadTaskModel('export/tiny', { backend: 'onnx' });        // onnxruntime-node
 * console.log(await classify(web, ['cat.jpg'], ['cat', 'dog']));
 */
export async function loadTaskModel(path: string, o: LoadTaskModelOptions = {}): Promise<TaskModel> {
  const backend = o.backend ?? 'libtorch';
  if (backend === 'libtorch') return new TaskModel(torchBackend(path, o));
  if (backend === 'onnx') return new TaskModel(await onnxBackend(path, o));
  throw new Error(`loadTaskModel: backend '${String(backend)}' is not libtorch or onnx`);
}

/** Images preprocessed and encoded together (bounds the memory of a long list). */
const IMAGES_PER_PASS = 32;
/** Texts encoded together (as evaluation's classifier does). */
const TEXTS_PER_PASS = 256;

/** `flat` [n * d] as n L2-normalised rows. */
function normalisedRows(flat: Float32Array, n: number, d: number, what: string): Float32Array[] {
  if (flat.length !== n * d) throw new Error(`${what}: the model gave ${flat.length} values for ${n} x ${d}`);
  return Array.from({ length: n }, (_, i) => {
    const row = flat.slice(i * d, (i + 1) * d);
    const norm = Math.hypot(...row) || 1;
    return row.map((v) => v / norm);
  });
}

function clipOf(model: TaskModel, what: string): Backend {
  const b = backendOf(model);
  if (!b.info.clip) throw new Error(`${what}: ${b.info.path} has no CLIP image and text towers`);
  return b;
}

/**
 * Image embeddings, one L2-normalised Float32Array row (embedDim values) per image; images are
 * preprocessed as the model's preprocess_cfg says (resize short side, center crop, normalise).
 * @example
 * import { loadTaskModel, embedImages, embedTexts } from 'zooclip';
 * const model = await loadTaskModel('runs/train');
 * const [img] = await embedImages(model, ['cat.jpg']);
 * const [txt] = await embedTexts(model, ['a photo of a cat']);
 * const cosine = img.reduce((s, v, i) => s + v * txt[i], 0);
 */
export async function embedImages(model: TaskModel, images: readonly ImageInput[]): Promise<Float32Array[]> {
  const b = clipOf(model, 'embedImages');
  const bytes = encodedImages(images), rows: Float32Array[] = [];
  for (let s = 0; s < bytes.length; s += IMAGES_PER_PASS) {
    const part = bytes.slice(s, s + IMAGES_PER_PASS);
    let x;
    try {
      x = preprocessImages(part, b.preprocess);
    } catch (e) {
      // preprocessImages counts from the pass's first image
      throw new Error((e as Error).message.replace(/image (\d+):/, (_, i: string) => `image ${s + Number(i)}:`));
    }
    try {
      rows.push(...normalisedRows(await b.encodeImages(x), part.length, b.info.embedDim, 'embedImages'));
    } finally {
      x.dispose();
    }
  }
  return rows;
}

/**
 * Text embeddings, one L2-normalised Float32Array row (embedDim values) per text; texts are
 * tokenised with zooclip's CLIP BPE and cut at the model's context length.
 * @example const rows = await embedTexts(model, ['a red cube', 'two blue spheres']); // rows[0].length === model.info.embedDim
 */
export async function embedTexts(model: TaskModel, texts: readonly string[]): Promise<Float32Array[]> {
  const b = clipOf(model, 'embedTexts');
  const rows: Float32Array[] = [];
  for (let s = 0; s < texts.length; s += TEXTS_PER_PASS) {
    const part = texts.slice(s, s + TEXTS_PER_PASS);
    const ids = tokenize([...part], b.info.contextLength);
    try {
      rows.push(...normalisedRows(await b.encodeTexts(ids), part.length, b.info.embedDim, 'embedTexts'));
    } finally {
      ids.dispose();
    }
  }
  return rows;
}

/** A label and its probability. */
export interface LabelScore { label: string; score: number }

/** Options of classify. */
export interface ClassifyOptions {
  /** Prompt templates, '{}' = the label (default ['a photo of a {}.']); a label's embedding is the mean of its templates' (renormalised). */
  templates?: readonly string[];
}

/**
 * Zero-shot classification: per image, every label with its probability, best first. Scores are a
 * softmax over the labels of exp(logit_scale) * cosine(image, label), each label embedded as the
 * renormalised mean of its templates' text embeddings (open_clip's zero-shot classifier, the code
 * zooclip's evaluation uses).
 * @example
 * import { loadTaskModel, classify } from 'zooclip';
 * const model = await loadTaskModel('runs/train');
 * const [best] = (await classify(model, ['cube.png'], ['cube', 'sphere'], { templates: ['a photo of a {}.', 'a {}.'] }))[0];
 * console.log(best.label, best.score.toFixed(3)); // cube 0.912
 */
export async function classify(model: TaskModel, images: readonly ImageInput[], labels: readonly string[], o: ClassifyOptions = {}): Promise<LabelScore[][]> {
  const b = clipOf(model, 'classify');
  if (!labels.length) throw new Error('classify: no labels');
  const prompts = templatePrompts(labels, o.templates ?? ['a photo of a {}.']);
  const text = (await embedTexts(model, prompts)).flatMap((r) => [...r]);
  const img = await embedImages(model, images);
  const scale = await b.logitScale();
  const probs = tidy(() => {
    const cls = averageTemplates(tensor(Float32Array.from(text), { shape: [prompts.length, b.info.embedDim] }), labels.length);
    const feats = tensor(Float32Array.from(img.flatMap((r) => [...r])), { shape: [img.length, b.info.embedDim] });
    return feats.matmul(cls.transpose(0, 1)).mul(scale).softmax(-1).data() as Float32Array;
  });
  const c = labels.length;
  return img.map((_, i) => labels.map((label, k) => ({ label, score: probs[i * c + k]! })).sort((x, y) => y.score - x.score));
}

/** A segmentation at the input image's size: class id per pixel (255 = below the threshold) and the class names. */
export interface Segmentation { width: number; height: number; labels: Uint8Array; classes: string[] }

/** A detected box in input-image pixels [x0, y0, x1, y1], its class and score. */
export interface Detection { box: [number, number, number, number]; classId: number; label: string; score: number }

/** Options of segment and detect. */
export interface DenseOptions {
  /** seg: lowest max-softmax probability labelled (else 255); det: lowest box score kept. Default: the model's (CLIPTeX heads: seg 0, det 0.1, as their ONNX export's spec). */
  threshold?: number;
}

async function predictTask(model: TaskModel, task: DenseTaskName, images: readonly ImageInput[], threshold?: number): Promise<{ b: Backend; out: ExpertOutput[] }> {
  const b = backendOf(model);
  // The onnx backend names the graph files a missing head needs; the libtorch one lists its heads.
  if (b.info.backend === 'libtorch' && !b.info.tasks.includes(task)) {
    throw new Error(`${task}: ${b.info.path} has no ${task} head (heads: ${b.info.tasks.join(', ') || 'none'})`);
  }
  return { b, out: await b.predict(task, toRgbImages(images), threshold) };
}

/** The task's field of each output (present by the decoders' contract). */
function field<K extends keyof ExpertOutput>(out: readonly ExpertOutput[], k: K): NonNullable<ExpertOutput[K]>[] {
  return out.map((o, i) => {
    const v = o[k];
    if (!v) throw new Error(`prediction ${i} has no ${k} output`);
    return v as NonNullable<ExpertOutput[K]>;
  });
}

/**
 * Semantic segmentation at each input image's size: a Uint8Array of class ids (row-major,
 * width * height; 255 where the max probability is under `threshold`) with the class names.
 * @example
 * import { loadTaskModel, segment } from 'zooclip';
 * const model = await loadTaskModel('runs/train');              // a checkpoint trained with heads.seg > 0
 * const [seg] = await segment(model, ['street.jpg']);
 * console.log(seg.width, seg.height, seg.classes[seg.labels[0]]);
 */
export async function segment(model: TaskModel, images: readonly ImageInput[], o: DenseOptions = {}): Promise<Segmentation[]> {
  const { b, out } = await predictTask(model, 'seg', images, o.threshold);
  const classes = b.classes('seg');
  return field(out, 'seg').map((s) => ({ width: s.width, height: s.height, labels: s.labels, classes }));
}

/**
 * Metric depth at each input image's size: a Float32Array of metres (row-major, width * height).
 * @example const [d] = await depth(model, ['room.jpg']); const centre = d.depth[(d.height >> 1) * d.width + (d.width >> 1)];
 */
export async function depth(model: TaskModel, images: readonly ImageInput[]): Promise<DepthMap[]> {
  return field((await predictTask(model, 'depth', images)).out, 'depth');
}

/**
 * Unit surface normals at each input image's size: a Float32Array of x, y, z per pixel (HWC,
 * width * height * 3, camera frame).
 * @example const [n] = await normals(model, [readImage('room.jpg')]); const [x, y, z] = n.normals.subarray(0, 3);
 */
export async function normals(model: TaskModel, images: readonly ImageInput[]): Promise<NormalMap[]> {
  return field((await predictTask(model, 'normals', images)).out, 'normals');
}

/**
 * Object detection: per image, boxes in the input image's pixels [x0, y0, x1, y1] with the class
 * id, name and score, best first, scoring at least `threshold`.
 * @example
 * const [boxes] = await detect(model, ['table.jpg'], { threshold: 0.5 });
 * for (const d of boxes) console.log(d.label, d.score.toFixed(2), d.box.map(Math.round));
 */
export async function detect(model: TaskModel, images: readonly ImageInput[], o: DenseOptions = {}): Promise<Detection[][]> {
  const { b, out } = await predictTask(model, 'det', images, o.threshold);
  const classes = b.classes('det');
  return field(out, 'det').map((d) => d.boxes.map((box, i) => ({ box, classId: d.labels[i]!, label: classes[d.labels[i]!] ?? String(d.labels[i]), score: d.scores[i]! }))
    .sort((x, y) => y.score - x.score));
}
