// The dense heads of an exported folder on onnxruntime: onnx/image_features.onnx (pixel_values ->
// features_<level> maps) then onnx/<task>_head.onnx (those maps -> logits / depth / normals /
// heatmap, size, offset), described by onnx/<task>_head.json (format 'zooclip-head' v1, written by
// the dense export, see docs/onnx.md). Images go in as the libtorch backend feeds its heads (each
// resized whole to the square input, normalised as the spec says); the raw outputs decode with the
// dense-task table's decoders (src/tasks/predict.ts), at each image's own size.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor, tidy, type Tensor } from '../engine/index.js';
import { taskDecode, type DenseTaskName } from '../tasks/index.js';
import { expertInput } from '../zoo/expert_zooclip.js';
import { closeModel, floatTensor, openModel, runModel, type FloatOutput, type OrtModel } from '../zoo/onnx/session.js';
import type { ExpertOutput, RgbImage } from '../zoo/types.js';

/** What the onnx backend reads of a `<task>_head.json`. */
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
 * Reads `<onnxDir>/<task>_head.json` (the fields the onnx backend uses, checked; errors name the file and key).
 * @example const spec = readHeadFile('export/tiny/onnx', 'seg'); spec.classes
 */
export function readHeadFile(onnxDir: string, task: DenseTaskName): HeadFile {
  const file = join(onnxDir, `${task}_head.json`);
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    return fail(file, `cannot read the head spec (${(e as Error).message})`);
  }
  if (r.format !== 'zooclip-head' || r.version !== 1) fail(file, `format must be 'zooclip-head' version 1, got ${JSON.stringify(r.format)} ${JSON.stringify(r.version)}`);
  if (r.task !== task) fail(file, `task is ${JSON.stringify(r.task)}, expected '${task}'`);
  const names = (k: string): string[] => {
    const v = r[k];
    if (!Array.isArray(v) || !v.length || !v.every((x) => typeof (x as { name?: unknown }).name === 'string')) fail(file, `'${k}' must be a non-empty list of { name, ... }`);
    return (v as { name: string }[]).map((x) => x.name);
  };
  const size = r.image_size, pre = (r.preprocess ?? {}) as Record<string, unknown>, d = (r.decode ?? {}) as Record<string, unknown>;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((x) => Number.isInteger(x) && (x as number) > 0)) fail(file, `'image_size' must be [H, W], got ${JSON.stringify(size)}`);
  for (const k of ['mean', 'std']) if (!Array.isArray(pre[k]) || (pre[k] as unknown[]).length !== 3) fail(file, `'preprocess.${k}' must be 3 numbers`);
  if (!Array.isArray(r.classes) || !r.classes.every((c) => typeof c === 'string')) fail(file, `'classes' must be a list of names`);
  const num = (v: unknown, dflt: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : dflt);
  return {
    task, file, graph: typeof r.graph === 'string' ? r.graph : `${task}_head.onnx`, imageSize: size as [number, number], mean: pre.mean as number[], std: pre.std as number[],
    inputs: names('inputs'), outputs: names('outputs'), classes: r.classes as string[],
    threshold: num(task === 'det' ? d.score_threshold : d.threshold, task === 'det' ? 0.1 : 0), depthScale: num(d.scale, 1), stride: num(d.stride, 1),
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

/** The dense heads of one exported folder, their sessions opened on first use. */
export class OnnxHeads {
  private features: OrtModel | undefined;
  private readonly heads = new Map<DenseTaskName, { spec: HeadFile; model: OrtModel }>();
  constructor(private readonly onnxDir: string, private readonly threads?: number) {}

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
    this.features ??= await openModel(join(this.onnxDir, 'image_features.onnx'), { threads: this.threads });
    const h = { spec, model: await openModel(join(this.onnxDir, spec.graph), { threads: this.threads }) };
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
      feats = await runModel(this.features!, { pixel_values: floatTensor(x.data() as Float32Array, x.shape) }, spec.inputs);
    } finally {
      x.dispose();
    }
    const out = await runModel(model, Object.fromEntries(spec.inputs.map((n) => [n, floatTensor(feats[n]!.data, feats[n]!.dims)])), spec.outputs);
    return tidy(() => taskDecode(task, asTaskOutput(spec, out), images, { inputSize: wid, threshold: threshold ?? spec.threshold, depthScale: spec.depthScale, classes: spec.classes }));
  }

  /** The class names of a task's head (its spec's). */
  classes(task: DenseTaskName): string[] {
    return this.heads.get(task)?.spec.classes ?? (existsSync(join(this.onnxDir, `${task}_head.json`)) ? readHeadFile(this.onnxDir, task).classes : []);
  }

  dispose(): void {
    for (const m of [this.features, ...[...this.heads.values()].map((h) => h.model)]) if (m) closeModel(m);
    this.heads.clear();
    this.features = undefined;
  }
}
