// The onnxruntime backend of the task functions: an exported folder (DIR/onnx/vision_model.onnx,
// text_model.onnx, model.onnx; image_features.onnx + <task>_head.onnx/.json for the dense tasks; see
// docs/onnx.md) run by onnxruntime-node on the CPU. Images and
// texts are prepared exactly as the libtorch backend prepares them (same pixels, same token ids),
// so the two backends differ only by the runtimes' float error.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeModelProto } from '../io/onnx/index.js';
import { parsePreprocessCfg } from '../models/preprocess.js';
import { CONFIG_FILE } from '../models/open_clip_folder.js';
import type { OrtModel } from '../zoo/onnx/session.js';
import type { ImageTransform } from '../data/loader/preprocess.js';
import type { Backend } from './backend.js';
import { OnnxHeads } from '../zoo/onnx/heads.js';

/** The manifest of an exported folder (only the fields read here). */
export const EXPORT_MANIFEST = 'zooclip_export.json';

/** Options of the onnx backend. */
export interface OnnxBackendOptions {
  /** onnxruntime intra-op threads (0 = its default). */
  threads?: number;
}

interface ModelMeta { embedDim: number; imageSize: number; contextLength: number }
interface DecodedOnnx { metadataProps?: { key: string; value: string }[]; graph?: { initializer?: { name: string; rawData?: Uint8Array; floatData?: number[] }[] } }

const readJson = (file: string): Record<string, unknown> => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
};

/** embed_dim, image_size, context_length from the manifest, else from a graph's metadata_props. */
function modelMeta(dir: string, onnxDir: string): ModelMeta {
  const manifest = join(dir, EXPORT_MANIFEST);
  let m: Record<string, unknown> = {}, where = manifest;
  if (existsSync(manifest)) m = (readJson(manifest).model ?? {}) as Record<string, unknown>;
  else {
    where = ['model.onnx', 'vision_model.onnx', 'text_model.onnx'].map((f) => join(onnxDir, f)).find(existsSync) ?? join(onnxDir, 'vision_model.onnx');
    if (!existsSync(where)) throw new Error(`${dir}: neither ${EXPORT_MANIFEST} nor onnx/vision_model.onnx: not an exported zooclip folder`);
    const props = (decodeModelProto(readFileSync(where)) as DecodedOnnx).metadataProps ?? [];
    m = Object.fromEntries(props.map((p) => [p.key, Number(p.value)]));
  }
  const num = (k: string): number => {
    const v = m[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`${where}: '${k}' must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  };
  return { embedDim: num('embed_dim'), imageSize: num('image_size'), contextLength: num('context_length') };
}

/** The image transform: open_clip_config.json's preprocess_cfg, else preprocessor_config.json, else OpenAI's defaults. */
function folderPreprocess(dir: string, imageSize: number): ImageTransform {
  const oc = join(dir, CONFIG_FILE), hf = join(dir, 'preprocessor_config.json');
  if (existsSync(oc)) return parsePreprocessCfg(readJson(oc).preprocess_cfg, imageSize, `${oc} preprocess_cfg`);
  if (!existsSync(hf)) return parsePreprocessCfg({}, imageSize);
  const p = readJson(hf);
  return parsePreprocessCfg({ mean: p.image_mean, std: p.image_std, interpolation: p.resample === 2 ? 'bilinear' : 'bicubic' }, imageSize, hf);
}

/** exp(logit_scale) from model.onnx's `logit_scale` initializer. */
function logitScaleOf(file: string): number {
  if (!existsSync(file)) throw new Error(`classify needs the CLIP's logit scale: onnx/model.onnx not in this folder (${file})`);
  const init = (decodeModelProto(readFileSync(file)) as DecodedOnnx).graph?.initializer?.find((t) => t.name === 'logit_scale');
  if (!init) throw new Error(`${file}: no initializer 'logit_scale'`);
  const v = init.rawData?.length === 4 ? Buffer.from(init.rawData).readFloatLE(0) : init.floatData?.[0];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${file}: initializer 'logit_scale' is not one float32`);
  return Math.exp(v);
}


/**
 * The onnxruntime backend over an exported folder (DIR with onnx/ inside, or the onnx/ folder itself).
 * @example const b = await onnxBackend('export/zooclip-tiny');
 */
export async function onnxBackend(path: string, o: OnnxBackendOptions = {}): Promise<Backend> {
  const dir = resolve(path);
  if (!existsSync(dir)) throw new Error(`onnx backend: no such folder ${dir}`);
  const onnxDir = existsSync(join(dir, 'onnx')) ? join(dir, 'onnx') : dir;
  const meta = modelMeta(dir, onnxDir);
  // onnxruntime-node is loaded by the first onnx model, not by `import 'zooclip'`
  const ort = await import('../zoo/onnx/session.js');
  const { closeModel, floatTensor, idTensor, runModel } = ort;
  const maybeOpen = async (file: string): Promise<OrtModel | undefined> => (existsSync(file) ? ort.openModel(file, { threads: o.threads }) : undefined);
  const vision = await maybeOpen(join(onnxDir, 'vision_model.onnx'));
  const text = await maybeOpen(join(onnxDir, 'text_model.onnx'));
  const heads = new OnnxHeads(onnxDir, ort, o.threads);
  let scale: number | undefined;
  const need = (m: OrtModel | undefined, file: string): OrtModel => {
    if (!m) throw new Error(`onnx/${file} not in this folder (${onnxDir})`);
    return m;
  };
  return {
    info: { backend: 'onnx', path: dir, clip: Boolean(vision && text), ...meta, tasks: heads.tasks() },
    preprocess: folderPreprocess(dir, meta.imageSize),
    encodeImages: async (x) => (await runModel(need(vision, 'vision_model.onnx'), { pixel_values: floatTensor(x.data() as Float32Array, x.shape) }, ['image_embeds'])).image_embeds!.data,
    encodeTexts: async (ids) => {
      const feeds = { input_ids: idTensor(Array.from(ids.data() as BigInt64Array, Number), ids.shape, 'int64') };
      return (await runModel(need(text, 'text_model.onnx'), feeds, ['text_embeds'])).text_embeds!.data;
    },
    logitScale: () => {
      try {
        scale ??= logitScaleOf(join(onnxDir, 'model.onnx'));
        return Promise.resolve(scale);
      } catch (e) {
        return Promise.reject(e as Error);
      }
    },
    classes: (task) => heads.classes(task),
    predict: (task, images, threshold) => heads.predict(task, images, threshold),
    dispose: () => {
      for (const m of [vision, text]) if (m) closeModel(m);
      heads.dispose();
    },
  };
}
