// onnxruntime-node sessions for the ONNX plugins: opened from a file on the CPU provider, with the
// declared input/output names checked against the model, and run errors that name the model and the
// shapes fed.
import * as ort from 'onnxruntime-node';

/** Session settings. */
export interface OrtOptions {
  /** Intra-op threads (0 = onnxruntime's default: all cores). */
  threads?: number;
}

/** An open model plus the file it came from (for errors). */
export interface OrtModel {
  session: ort.InferenceSession;
  file: string;
}

/**
 * Opens `file` on the CPU execution provider.
 * @example const m = await openModel('models/seg.onnx', { threads: 2 });
 */
export async function openModel(file: string, o: OrtOptions = {}): Promise<OrtModel> {
  const opts: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
  if (o.threads) opts.intraOpNumThreads = o.threads;
  try {
    return { session: await ort.InferenceSession.create(file, opts), file };
  } catch (e) {
    throw new Error(`cannot load ONNX model ${file}: ${(e as Error).message}`);
  }
}

function metadata(list: readonly ort.InferenceSession.ValueMetadata[], name: string): ort.InferenceSession.ValueMetadata | undefined {
  return list.find((m) => m.name === name);
}

/** Throws unless the model has an input called `name` (the error lists the inputs it has). */
export function inputMeta(m: OrtModel, name: string, key: string): ort.InferenceSession.ValueMetadata {
  const meta = metadata(m.session.inputMetadata, name);
  if (!meta) throw new Error(`${key}: ${m.file} has no input '${name}' (inputs: ${m.session.inputNames.join(', ')})`);
  return meta;
}

/** Throws unless the model has an output called `name`. */
export function outputMeta(m: OrtModel, name: string, key: string): ort.InferenceSession.ValueMetadata {
  const meta = metadata(m.session.outputMetadata, name);
  if (!meta) throw new Error(`${key}: ${m.file} has no output '${name}' (outputs: ${m.session.outputNames.join(', ')})`);
  return meta;
}

/** The fixed sizes of a tensor input (undefined where symbolic or unknown). */
export function fixedDims(meta: ort.InferenceSession.ValueMetadata): (number | undefined)[] {
  return meta.isTensor ? meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : undefined)) : [];
}

/** A float32 output of a run: its data and dims. */
export interface FloatOutput { data: Float32Array; dims: number[] }

/**
 * Runs the model and returns the requested outputs as float32 (the model's other outputs are not computed).
 * @example const { logits } = await runModel(m, { image: new ort.Tensor('float32', data, dims) }, ['logits']);
 */
export async function runModel(m: OrtModel, feeds: Record<string, ort.Tensor>, outputs: readonly string[]): Promise<Record<string, FloatOutput>> {
  let res: ort.InferenceSession.ReturnType;
  try {
    res = await m.session.run(feeds, [...outputs]);
  } catch (e) {
    const fed = Object.entries(feeds).map(([k, t]) => `${k} ${t.type}[${t.dims.join(', ')}]`).join(', ');
    throw new Error(`${m.file}: run failed (fed ${fed}): ${(e as Error).message}`);
  }
  const out: Record<string, FloatOutput> = {};
  for (const name of outputs) {
    const t = res[name];
    if (t.type !== 'float32') throw new Error(`${m.file}: output '${name}' is ${t.type}, expected float32`);
    out[name] = { data: t.data as Float32Array, dims: [...t.dims] };
  }
  return out;
}

/** A float32 input tensor. */
export function floatTensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

/** An integer token tensor in the dtype the model declares (int64 or int32). */
export function idTensor(ids: readonly number[], dims: readonly number[], type: 'int64' | 'int32'): ort.Tensor {
  return type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), dims) : new ort.Tensor('int32', Int32Array.from(ids), dims);
}

/** Releases the session (safe to call twice). */
export function closeModel(m: OrtModel): void {
  void m.session.release().catch(() => undefined);
}
