// The serve bench's models: one random-init CLIP per tower config (seeded), its image tower folded
// (reparameterize, as `zooclip export` does before writing graphs) and exported with the export
// code's exportClipOnnx as vision_model.onnx (fp32) and vision_model_quantized.onnx (q8) into a cache
// folder, reused while the model's weight fingerprint is the same. The graphs' parameter counts
// must equal the libtorch tower's, or the engines would not run the same model.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { manualSeed } from '../src/engine/index.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import { decodeModelProto, type GraphProto } from '../src/io/onnx/index.js';
import { createModel, type CLIP } from '../src/models/clip.js';
import { dtypeFile, exportClipOnnx, type OnnxDtype } from '../src/export/index.js';
import { modelFingerprint } from '../src/stages/export/model.js';

/** The graph variants the bench runs: onnxruntime fp32 and int8 (transformers.js's `_quantized`). */
export const BENCH_DTYPES: readonly OnnxDtype[] = ['fp32', 'q8'];
const STAMP = 'bench_export.json';

/** One tower ready to time: the libtorch model (eval, folded) and its exported graphs. */
export interface BenchTower {
  config: string;
  model: CLIP;
  imageSize: number;
  /** Parameters of the folded image tower (libtorch), equal to each graph's (checked). */
  params: number;
  dir: string;
  files: Record<OnnxDtype, string>;
  /** true when the graphs were already in the cache for this exact model. */
  reused: boolean;
}

interface Stamp { config: string; seed: number; sha256: string; files: Record<string, number> }

/**
 * Elements of the tower's parameters that a graph holds: initializers named by a parameter's
 * state-dict key (`visual.<name>`), or by that key + `_quantized` (the 8-bit copy of a MatMul weight
 * that replaced it). Scales, zero points, BatchNorm statistics and shape constants are not parameters.
 * @example graphParamCount(decodeModelProto(bytes).graph, new Set(['visual.proj'])) // 262144 for ViT-B-16
 */
export function graphParamCount(graph: GraphProto, keys: ReadonlySet<string>): number {
  let n = 0;
  for (const t of graph.initializer) {
    if (keys.has(t.name) || (t.name.endsWith('_quantized') && keys.has(t.name.slice(0, -'_quantized'.length)))) {
      n += t.dims.reduce((a, d) => a * Number(d), 1);
    }
  }
  return n;
}

/**
 * Throws unless every graph holds exactly the image tower's parameters (same count as libtorch).
 * @example checkParamCounts(model, { fp32: 'cache/vision_model.onnx', q8: 'cache/vision_model_quantized.onnx' });
 */
export function checkParamCounts(model: CLIP, files: Partial<Record<OnnxDtype, string>>): number {
  const named = [...model.visual.namedParameters()];
  const params = named.reduce((s, [, p]) => s + p.numel, 0);
  const keys = new Set(named.map(([k]) => `visual.${k}`));
  for (const [dtype, file] of Object.entries(files)) {
    const graph = decodeModelProto(readFileSync(file)).graph as unknown as GraphProto;
    const n = graphParamCount(graph, keys);
    if (n !== params) throw new Error(`bench serve: ${file} (${dtype}) holds ${n} of the image tower's parameters but the libtorch tower has ${params}; the engines would not run the same model, so nothing is compared`);
  }
  return params;
}

function readStamp(dir: string): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, STAMP), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** Whether `dir` holds this model's graphs, unchanged in size since they were written. */
function cached(dir: string, sha256: string): boolean {
  const s = readStamp(dir);
  return !!s && s.sha256 === sha256 && Object.entries(s.files).every(([f, bytes]) => existsSync(join(dir, f)) && statSync(join(dir, f)).size === bytes);
}

/**
 * The tower `config` (seeded random init, eval, folded) with its vision graphs in `cacheRoot/<config>-seed<seed>`,
 * exported unless the cache already holds this model's; parameter counts checked.
 * @example const t = prepareTower('MobileCLIP-S0', 'runs/bench-serve', 0); t.model.dispose();
 */
export function prepareTower(config: string, cacheRoot: string, seed: number): BenchTower {
  manualSeed(seed);
  const model = createModel(config);
  try {
    model.eval();
    const sha256 = modelFingerprint(model);   // of the tower as created, before folding (as `zooclip export`)
    model.visual.reparameterize();
    const dir = join(cacheRoot, `${config}-seed${seed}`);
    const files = Object.fromEntries(BENCH_DTYPES.map((d) => [d, join(dir, dtypeFile('vision_model', d))])) as Record<OnnxDtype, string>;
    const reused = cached(dir, sha256);
    if (!reused) {
      const written = exportClipOnnx(model, dir, ['vision_model'], { dtypes: BENCH_DTYPES });
      if (written.some((w) => w.dataFile)) throw new Error(`bench serve: ${config}'s graphs keep their weights in external data; the browser engine does not load those`);
      const stamp: Stamp = { config, seed, sha256, files: Object.fromEntries(written.map((w) => [dtypeFile('vision_model', w.dtype), w.bytes])) };
      writeFileAtomic(join(dir, STAMP), JSON.stringify(stamp, null, 2) + '\n');
    }
    const params = checkParamCounts(model, files);
    return { config, model, imageSize: model.visual.imageSize, params, dir, files, reused };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
