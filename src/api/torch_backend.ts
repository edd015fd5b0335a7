// The libtorch backend of the task functions: a CLIP loaded with loadModelForEval (with the CLIPTeX
// dense heads of a training checkpoint re-attached), or a dense expert folder (expert.json).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { noGrad, tidy, type Tensor } from '../engine/index.js';
import type { CLIP } from '../models/clip.js';
import { labelClasses, taskDecode, type DenseTaskName } from '../tasks/index.js';
import { EXPERT_FILE, loadExpertModel } from '../dense/index.js';
import { loadModelForEval, type LoadedModel } from '../eval/load_model.js';
import { expertInput, ZooclipExpert } from '../zoo/expert_zooclip.js';
import type { ExpertOutput, RgbImage } from '../zoo/types.js';
import { attachTaskHeads } from '../stages/train/task_heads.js';
import { attachCheckpointHeads } from '../stages/export/model.js';
import type { TrainConfig } from '../stages/train/config.js';
import type { Backend } from './backend.js';

/** Options of the libtorch backend. */
export interface TorchBackendOptions {
  device?: string;
  ema?: boolean;
  seed?: number;
  /** Class names of seg ids and det labels (default: the training data's synth.json, else the ids). */
  classes?: readonly string[];
}

/** Images through a dense model together. */
const IMAGES_PER_BATCH = 16;
/** Default confidence thresholds of CLIPTeX heads: every pixel labelled; boxes scoring at least 0.1 (the dense ONNX export's defaults). */
const HEAD_THRESHOLD: Record<DenseTaskName, number> = { seg: 0, depth: 0, normals: 0, det: 0.1 };

/** The class names of a run's labels: given, or its data's synth.json, or the ids as text. */
function headClasses(cfg: TrainConfig | undefined, given: readonly string[] | undefined): string[] {
  if (given) return [...given];
  const root = cfg?.data?.root;
  if (root && existsSync(join(root, 'synth.json'))) return labelClasses(root);
  const n = Math.max(cfg?.heads.segClasses ?? 0, cfg?.heads.detClasses ?? 0);
  return Array.from({ length: n }, (_, i) => String(i));
}

/** A CLIP's dense heads over images (each resized whole to the tower's input, predictions back at each image's size). */
function predictHeads(model: CLIP, task: DenseTaskName, images: readonly RgbImage[], threshold: number, classes: readonly string[]): ExpertOutput[] {
  const pp = model.cfg.preprocess_cfg, size = model.visual.imageSize, device = model.logit_scale.device;
  const out: ExpertOutput[] = [];
  for (let s = 0; s < images.length; s += IMAGES_PER_BATCH) {
    const batch = images.slice(s, s + IMAGES_PER_BATCH);
    out.push(...tidy(() => noGrad(() => {
      const dense = model.encodeImageDense(expertInput(batch, size, pp.mean, pp.std, device)).dense[task]!;
      return taskDecode(task, dense, batch, { inputSize: size, threshold, depthScale: 1, classes });
    })));
  }
  return out;
}

function clipBackend(loaded: LoadedModel, o: TorchBackendOptions): Backend {
  const model = loaded.model, device = o.device ?? 'cpu';
  const heads = attachCheckpointHeads(loaded, (m, c) => attachTaskHeads(m, c as unknown as TrainConfig));
  const tasks = heads.tasks, cfg = heads.cfg as TrainConfig | undefined;
  if (tasks.length && device !== 'cpu') model.denseHeads!.to(device);   // the heads are made on the CPU; the tower is on `device` already
  const classes = headClasses(cfg, o.classes);
  const run = (f: () => Tensor): Promise<Float32Array> => Promise.resolve(tidy(() => noGrad(() => Float32Array.from(f().to('cpu').data() as Float32Array))));
  return {
    info: { backend: 'libtorch', path: loaded.path, clip: true, embedDim: model.cfg.embed_dim, imageSize: model.visual.imageSize, contextLength: model.cfg.text_cfg.context_length, tasks },
    preprocess: model.cfg.preprocess_cfg,
    encodeImages: (x) => run(() => model.encodeImage(x.to(device), false)),
    encodeTexts: (ids) => run(() => model.encodeText(ids.to(device), false)),
    logitScale: () => Promise.resolve(tidy(() => model.logit_scale.exp().item())),
    classes: () => classes,
    predict: (task, images, threshold) => Promise.resolve(predictHeads(model, task, images, threshold ?? HEAD_THRESHOLD[task], classes)),
    dispose: () => model.dispose(),
  };
}

function expertBackend(dir: string, o: TorchBackendOptions): Backend {
  const { model, manifest } = loadExpertModel(dir, o.device ?? 'cpu');
  const expert = new ZooclipExpert(model, manifest, `zooclip:${dir}`, o.device ?? 'cpu');
  const classes = o.classes ? [...o.classes] : manifest.classes;
  const noClip = (): Promise<never> => Promise.reject(new Error(`${dir}: an expert folder (${EXPERT_FILE}, task ${manifest.task}) has an image tower and a ${manifest.task} head, no CLIP embeddings`));
  return {
    info: { backend: 'libtorch', path: dir, clip: false, embedDim: 0, imageSize: manifest.inputSize, contextLength: 0, tasks: [manifest.task] },
    preprocess: { size: manifest.inputSize, mean: manifest.mean, std: manifest.std, interpolation: 'bicubic' },
    encodeImages: noClip, encodeTexts: noClip, logitScale: noClip,
    classes: () => classes,
    predict: (_task, images, threshold) => expert.predict([...images], { threshold }),
    dispose: () => expert.dispose(),
  };
}

/**
 * The libtorch backend over a checkpoint, run or open_clip folder, a built-in name (random init),
 * or an expert folder.
 * @example const b = torchBackend('runs/train', { device: 'cpu' });
 */
export function torchBackend(spec: string, o: TorchBackendOptions = {}): Backend {
  const p = resolve(spec);
  if (existsSync(join(p, EXPERT_FILE))) return expertBackend(p, o);
  const loaded = loadModelForEval(spec, { device: o.device, ema: o.ema, seed: o.seed });
  try {
    return clipBackend(loaded, o);
  } catch (e) {
    loaded.model.dispose();
    throw e;
  }
}
