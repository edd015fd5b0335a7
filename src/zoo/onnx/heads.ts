// The dense heads of an exported folder on onnxruntime: onnx/image_features.onnx (pixel_values ->
// features_<level> maps) then onnx/<task>_head.onnx (those maps -> logits / depth / normals /
// heatmap, size, offset), described by onnx/<task>_head.json (format 'zooclip-head' v1, written by
// the dense export, see docs/onnx.md). Images go in as the libtorch backend feeds its heads (each
// resized whole to the square input, normalised as the spec says); the raw outputs decode with the
// dense-task table's decoders (src/tasks/predict.ts), at each image's own size. Used by the public
// API's onnx backend (src/api/onnx_backend.ts) and by `zooclip serve`'s JSON API.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, tidy, type Tensor } from '../../engine/index.js';
import { taskDecode, type DenseTaskName } from '../../tasks/index.js';
import { parseHeadSpec } from '../../export/index.js';
import { expertInput } from '../expert_zooclip.js';
import type { ExpertOutput, RgbImage } from '../types.js';
import type { FloatOutput, OrtModel } from './session.js';

/** The onnxruntime session helpers (session.ts), handed in so that importing this file does not load onnxruntime-node. */
export type OrtSessions = typeof import('./session.js');

/** What the onnx backend uses of a `<task>_head.json` (src/export/head_spec.ts). */
export interface HeadFile {
  task: DenseTaskName;
  file: string;
  graph: string;
  imageSize: [number, number];
  mean: number[];
  std: number[];
  /** image_features outputs the head takes (features_<level>). */
  inputs: string[];
  outputs: string[];
  classes: string[];
  /** seg threshold, det score_threshold (the model's default). */
  threshold: number;
  /** depth: metres per unit of the graph's output. */
  depthScale: number;
  /** det: input pixels per heatmap cell. */
  stride: number;
}

const fail = (file: string, what: string): never => {
  throw new Error(`${file}: ${what}`);
};

/**
 * Reads `<onnxDir>/<task>_head.json`, checked by the export's own parseHeadSpec (errors name the file and key).
 * @example const spec = readHeadFile('export/tiny/onnx', 'seg'); spec.classes
 */
export function readHeadFile(onnxDir: string, task: DenseTaskName): HeadFile {
  const file = join(onnxDir, `${task}_head.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return fail(file, `cannot read the head spec (${(e as Error).message})`);
  }
  const s = parseHeadSpec(raw, file), d = s.decode;
  if (s.task !== task) fail(file, `task is '${s.task}', expected '${task}'`);
  return {
    task, file, graph: s.graph, imageSize: s.image_size, mean: s.preprocess.mean, std: s.preprocess.std,
    inputs: s.inputs.map((x) => x.name), outputs: s.outputs.map((x) => x.name), classes: s.classes,
    threshold: d.type === 'seg' ? d.threshold : d.type === 'centernet' ? d.score_threshold : 0,
    depthScale: d.type === 'depth' ? d.scale : 1, stride: d.type === 'centernet' ? d.stride : 1,
  };
}

/** A head's raw outputs as the task table's decoders take them (det: CenterNet's heatmap, size, offset). */
function asTaskOutput(h: HeadFile, out: Record<string, FloatOutput>): Tensor | { heatmap: Tensor; size: Tensor; offset: Tensor; stride: number } {
  const t = (name: string): Tensor => {
    const o = out[name] ?? fail(join(h.file, '..', h.graph), `no output '${name}'`);
    return tensor(o.data, { shape: o.dims });
  };
  if (h.task !== 'det') return t(h.outputs[0]!);
  return { heatmap: t('heatmap'), size: t('size'), offset: t('offset'), stride: h.stride };
}

/**
 * The dense heads of one exported folder, their sessions opened on first use.
 * @example
 * const heads = new OnnxHeads('export/tiny/onnx', await import('./session.js'), 1);
 * const [out] = await heads.predict('depth', [readImage('room.jpg')]); // out.depth: metres at the image's size
 * heads.dispose();
 */
export class OnnxHeads {
  private features: OrtModel | undefined;
  private readonly heads = new Map<DenseTaskName, { spec: HeadFile; model: OrtModel }>();
  constructor(private readonly onnxDir: string, private readonly ort: OrtSessions, private readonly threads?: number) {}

  /** The tasks whose head graph and spec are in the folder (with image_features.onnx). */
  tasks(): DenseTaskName[] {
    if (!existsSync(join(this.onnxDir, 'image_features.onnx'))) return [];
    return (['seg', 'depth', 'normals', 'det'] as const).filter((t) => existsSync(join(this.onnxDir, `${t}_head.onnx`)) && existsSync(join(this.onnxDir, `${t}_head.json`)));
  }

  /** The head's spec and session (an error naming the files not in the folder). */
  async head(task: DenseTaskName): Promise<{ spec: HeadFile; model: OrtModel }> {
    const have = this.heads.get(task);
    if (have) return have;
    const missing = ['image_features.onnx', `${task}_head.onnx`, `${task}_head.json`].filter((f) => !existsSync(join(this.onnxDir, f)));
    if (missing.length) throw new Error(`${task}: onnx/${missing.join(', onnx/')} not in this folder (${this.onnxDir}); export the model with its ${task} head, or use the libtorch backend`);
    const spec = readHeadFile(this.onnxDir, task);
    this.features ??= await this.ort.openModel(join(this.onnxDir, 'image_features.onnx'), { threads: this.threads });
    const h = { spec, model: await this.ort.openModel(join(this.onnxDir, spec.graph), { threads: this.threads }) };
    this.heads.set(task, h);
    return h;
  }

  /** One prediction per image at the image's own size. */
  async predict(task: DenseTaskName, images: readonly RgbImage[], threshold?: number): Promise<ExpertOutput[]> {
    const { spec, model } = await this.head(task);
    const [hgt, wid] = spec.imageSize;
    if (hgt !== wid) throw new Error(`${spec.file}: image_size ${hgt}x${wid}: only square inputs are fed`);
    const x = expertInput(images, wid, spec.mean, spec.std);
    let feats: Record<string, FloatOutput>;
    try {
      feats = await this.ort.runModel(this.features!, { pixel_values: this.ort.floatTensor(x.data() as Float32Array, x.shape) }, spec.inputs);
    } finally {
      x.dispose();
    }
    const out = await this.ort.runModel(model, Object.fromEntries(spec.inputs.map((n) => [n, this.ort.floatTensor(feats[n]!.data, feats[n]!.dims)])), spec.outputs);
    return tidy(() => taskDecode(task, asTaskOutput(spec, out), images, { inputSize: wid, threshold: threshold ?? spec.threshold, depthScale: spec.depthScale, classes: spec.classes }));
  }

  /** The class names of a task's head (its spec's). */
  classes(task: DenseTaskName): string[] {
    return this.heads.get(task)?.spec.classes ?? (existsSync(join(this.onnxDir, `${task}_head.json`)) ? readHeadFile(this.onnxDir, task).classes : []);
  }

  dispose(): void {
    for (const m of [this.features, ...[...this.heads.values()].map((h) => h.model)]) if (m) this.ort.closeModel(m);
    this.heads.clear();
    this.features = undefined;
  }
}
