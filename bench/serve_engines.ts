// The serve bench's Node engines, each timed the same way (warm-up calls, then timed calls, median):
// zooclip on libtorch (encodeImage under no-grad, tower folded) and onnxruntime-node on the exported
// fp32 and int8 vision graphs, all at the bench's thread count.
import * as ort from 'onnxruntime-node';
import { noGrad, tensor, tidy } from '../src/engine/index.js';
import type { CLIP } from '../src/models/clip.js';
import { median } from './train_step.js';

/** The median of the timed calls (ms) and the last call's output (image_embeds, flattened). */
export interface Timing { ms: number; out: Float32Array }

/** Warm-up then timed calls of a synchronous `call`; the median of the timed ones in ms. */
function timeSync(call: () => Float32Array, warmup: number, iters: number): Timing {
  const times: number[] = [];
  let out: Float32Array = new Float32Array(0);
  for (let i = 0; i < warmup + iters; i++) {
    const t0 = performance.now();
    out = call();
    if (i >= warmup) times.push(performance.now() - t0);
  }
  return { ms: median(times), out };
}

/** timeSync for a call that returns a promise (each call awaited before the next starts). */
async function timeAsync(call: () => Promise<Float32Array>, warmup: number, iters: number): Promise<Timing> {
  const times: number[] = [];
  let out: Float32Array = new Float32Array(0);
  for (let i = 0; i < warmup + iters; i++) {
    const t0 = performance.now();
    out = await call();
    if (i >= warmup) times.push(performance.now() - t0);
  }
  return { ms: median(times), out };
}

/**
 * libtorch: model.encodeImage(pixels, false) under noGrad, at the engine's current thread count (setNumThreads).
 * @example const t = timeLibtorch(model, pixels, [8, 3, 224, 224], 1, 5); // t.ms per batch
 */
export function timeLibtorch(model: CLIP, pixels: Float32Array, shape: readonly number[], warmup: number, iters: number): Timing {
  return noGrad(() => tidy(() => {
    const x = tensor(pixels, { shape });
    return timeSync(() => tidy(() => model.encodeImage(x, false).data() as Float32Array), warmup, iters);
  }));
}

/**
 * Opens an onnxruntime-node CPU session on `file` with `threads` intra-op threads (one inter-op), as `zooclip serve` does.
 * @example const s = await openOrtSession('runs/bench-serve/MobileCLIP-S0-seed0/vision_model.onnx', 2);
 */
export async function openOrtSession(file: string, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(file, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1 });
}

/**
 * onnxruntime-node: `session.run({ pixel_values })` -> image_embeds.
 * @example const t = await timeOrt(session, pixels, [1, 3, 256, 256], 1, 5);
 */
export async function timeOrt(session: ort.InferenceSession, pixels: Float32Array, shape: readonly number[], warmup: number, iters: number): Promise<Timing> {
  const feeds = { pixel_values: new ort.Tensor('float32', pixels, shape) };
  return timeAsync(async () => (await session.run(feeds)).image_embeds!.data as Float32Array, warmup, iters);
}

/**
 * Largest |a - b| relative to the largest |b| (b the reference; Infinity when the lengths differ).
 * @example relMaxDiff(new Float32Array([1, 2.5]), new Float32Array([1, 2])) // 0.25
 */
export function relMaxDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return m > 0 ? d / m : d;
}
