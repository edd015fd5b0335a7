// The ONNX expert plugin: a foreign dense model (or detector) run by onnxruntime-node, described by
// a JSON spec (src/zoo/onnx_spec.ts) that says how images go in and how outputs decode.
import type { Expert, ExpertOptions, ExpertOutput, DenseTaskName, RgbImage } from './types.js';
import { readOnnxExpertSpec, type OnnxExpertSpec } from './onnx_spec.js';
import { closeModel, fixedDims, floatTensor, inputMeta, openModel, outputMeta, runModel, type FloatOutput, type OrtModel, type OrtOptions } from './onnx/session.js';
import { imagesToInput, inputSizeFor } from './onnx/preprocess.js';
import { decodeBoxes, decodeDepth, decodeNormals, decodeSegLogits } from './onnx/decode.js';

/** Consecutive images fed together: same input size, at most `batch`. */
function groups(images: readonly RgbImage[], spec: OnnxExpertSpec): { start: number; end: number; size: [number, number] }[] {
  const out: { start: number; end: number; size: [number, number] }[] = [];
  images.forEach((img, i) => {
    const size = inputSizeFor(img, spec.input);
    const last = out[out.length - 1];
    if (last && last.end - last.start < spec.input.batch && last.size[0] === size[0] && last.size[1] === size[1]) last.end = i + 1;
    else out.push({ start: i, end: i + 1, size });
  });
  return out;
}

/** Checks the spec against the model's declared inputs and outputs (names, fixed batch and size). */
function checkAgainstModel(m: OrtModel, spec: OnnxExpertSpec): void {
  const dims = fixedDims(inputMeta(m, spec.input.name, 'input.name'));
  if (dims.length > 0 && dims.length !== 4) throw new Error(`input.name: ${m.file} input '${spec.input.name}' has rank ${dims.length}, expected 4 (${spec.input.layout})`);
  if (dims[0] !== undefined && spec.input.batch > dims[0]) {
    throw new Error(`input.batch: ${m.file} input '${spec.input.name}' has a fixed batch of ${dims[0]}; set input.batch to at most ${dims[0]}`);
  }
  const [dh, dw] = spec.input.layout === 'NCHW' ? [dims[2], dims[3]] : [dims[1], dims[2]];
  if (spec.input.size !== 'dynamic' && ((dh !== undefined && dh !== spec.input.size[0]) || (dw !== undefined && dw !== spec.input.size[1]))) {
    throw new Error(`input.size: ${m.file} input '${spec.input.name}' is ${dh ?? '?'}x${dw ?? '?'}, spec says ${spec.input.size.join('x')}`);
  }
  outputMeta(m, spec.output.name, 'output.name');
}

/** Splits a batched output [B, ...rest] (or [...rest] for a batch of one) into per-image views. */
function perImage(out: FloatOutput, batch: number, rank: number, what: string, file: string): { slices: Float32Array[]; dims: number[] } {
  let dims = out.dims;
  if (dims.length === rank - 1 && batch === 1) dims = [1, ...dims];
  if (dims.length !== rank || dims[0] !== batch) throw new Error(`${file}: ${what} output has shape [${out.dims.join(', ')}], expected rank ${rank} with batch ${batch}`);
  const size = dims.slice(1).reduce((a, b) => a * b, 1);
  const slices = Array.from({ length: batch }, (_, i) => out.data.subarray(i * size, (i + 1) * size));
  return { slices, dims: dims.slice(1) };
}

function decodeGroup(spec: OnnxExpertSpec, file: string, out: FloatOutput, images: readonly RgbImage[], size: [number, number], threshold: number): ExpertOutput[] {
  const o = spec.output;
  const n = images.length;
  switch (o.kind) {
    case 'seg_logits': {
      const { slices, dims: [c, h, w] } = perImage(out, n, 4, 'seg_logits', file);
      return slices.map((s, i) => ({ seg: decodeSegLogits(s, c, h, w, images[i].height, images[i].width, threshold) }));
    }
    case 'depth': {
      // [B, 1, h, w] or [B, h, w] ([h, w] for a batch of one).
      const v = perImage(out, n, out.dims.length === 4 ? 4 : 3, 'depth', file);
      if (v.dims.length === 3 && v.dims[0] !== 1) throw new Error(`${file}: depth output has ${v.dims[0]} channels, expected 1`);
      const [h, w] = v.dims.slice(-2);
      return v.slices.map((s, i) => ({ depth: decodeDepth(s, h, w, images[i].height, images[i].width, o.scale, o.values) }));
    }
    case 'normals': {
      const { slices, dims: [c, h, w] } = perImage(out, n, 4, 'normals', file);
      if (c !== 3) throw new Error(`${file}: normals output has ${c} channels, expected 3`);
      return slices.map((s, i) => ({ normals: decodeNormals(s, h, w, images[i].height, images[i].width) }));
    }
    case 'boxes': {
      const { slices, dims: [rows, k] } = perImage(out, n, 3, 'boxes', file);
      if (k < o.columns.length) throw new Error(`${file}: box rows have ${k} values, spec output.columns names ${o.columns.length}`);
      const layout = { columns: o.columns, coords: o.coords, labelOffset: o.labelOffset, inputSize: size, classes: spec.classes };
      return slices.map((s, i) => ({ det: decodeBoxes(s, rows, k, layout, [images[i].height, images[i].width], threshold) }));
    }
  }
}

class OnnxExpert implements Expert {
  readonly task: DenseTaskName;
  readonly name: string;
  readonly classes?: readonly string[];

  constructor(private readonly spec: OnnxExpertSpec, private readonly model: OrtModel) {
    this.task = spec.task;
    this.name = spec.name;
    if (spec.classes) this.classes = spec.classes;
  }

  async predict(images: RgbImage[], o: ExpertOptions = {}): Promise<ExpertOutput[]> {
    const threshold = o.threshold ?? this.spec.threshold ?? (this.task === 'det' ? 0.5 : 0);
    const results: ExpertOutput[] = [];
    for (const g of groups(images, this.spec)) {
      const batch = images.slice(g.start, g.end);
      const { data, dims } = imagesToInput(batch, this.spec.input, g.size);
      const outs = await runModel(this.model, { [this.spec.input.name]: floatTensor(data, dims) }, [this.spec.output.name]);
      results.push(...decodeGroup(this.spec, this.model.file, outs[this.spec.output.name], batch, g.size, threshold));
    }
    return results;
  }

  dispose(): void {
    closeModel(this.model);
  }
}

/**
 * Loads an ONNX expert from its JSON spec (the task, model file, input and output decoding).
 *
 * @example
 * const depth = await loadOnnxExpert('models/depth/spec.json', { threads: 2 });
 * const [out] = await depth.predict([image]); // out.depth: metres at the image's size
 * depth.dispose();
 */
export async function loadOnnxExpert(specPath: string, o: OrtOptions = {}): Promise<Expert> {
  const spec = readOnnxExpertSpec(specPath);
  const model = await openModel(spec.model, o);
  try {
    checkAgainstModel(model, spec);
  } catch (e) {
    closeModel(model);
    throw new Error(`${specPath}: ${(e as Error).message}`);
  }
  return new OnnxExpert(spec, model);
}
