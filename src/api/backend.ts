// The model handle of the task functions and what a backend (libtorch or onnxruntime) does for
// them. The handle is plain information plus dispose(); the backend behind it stays private, so the
// two backends answer the same calls and a user's code does not change between them.
import type { Tensor } from '../engine/index.js';
import type { ImageTransform } from '../data/loader/preprocess.js';
import type { DenseTaskName, ExpertOutput, RgbImage } from '../zoo/types.js';

/** Which runtime runs the model: zooclip's libtorch modules, or onnxruntime-node on an exported folder. */
export type BackendName = 'libtorch' | 'onnx';

/** What a loaded model can do. */
export interface TaskModelInfo {
  backend: BackendName;
  /** The folder or name it was loaded from. */
  path: string;
  /** Whether it has CLIP's image and text towers (embedImages, embedTexts, classify). */
  clip: boolean;
  /** Width of the embeddings (0 without CLIP towers). */
  embedDim: number;
  /** Square input side of the image tower, in pixels. */
  imageSize: number;
  /** Text tokens per prompt (0 without a text tower). */
  contextLength: number;
  /** Dense tasks it has a head for (segment: seg, depth, normals, detect: det). */
  tasks: DenseTaskName[];
}

/** What the task functions need of a runtime. */
export interface Backend {
  info: TaskModelInfo;
  /** The CLIP image transform (resize short side, center crop, normalise). */
  preprocess: ImageTransform;
  /** Normalised pixels [N, 3, S, S] (a CPU tensor) -> image embeddings [N * D], not normalised. */
  encodeImages(pixels: Tensor): Promise<Float32Array>;
  /** Token ids [N, context] (a CPU int64 tensor) -> text embeddings [N * D], not normalised. */
  encodeTexts(ids: Tensor): Promise<Float32Array>;
  /** exp(logit_scale) of the CLIP. */
  logitScale(): Promise<number>;
  /** Class names of a task's ids (seg, det). */
  classes(task: DenseTaskName): string[];
  /** One prediction per image at the image's own size; `threshold` as the task decodes it (undefined = the model's default). */
  predict(task: DenseTaskName, images: readonly RgbImage[], threshold?: number): Promise<ExpertOutput[]>;
  dispose(): void;
}

const BACKENDS = new WeakMap<TaskModel, Backend>();

/**
 * A model loaded for the task functions (loadTaskModel makes one): what it can do, and dispose().
 * @example
 * import { loadTaskModel } from 'zooclip';
 * const model = await loadTaskModel('runs/train');
 * console.log(model.info.backend, model.info.tasks); // 'libtorch' [ 'seg', 'depth' ]
 * model.dispose();
 */
export class TaskModel {
  readonly info: Readonly<TaskModelInfo>;
  constructor(backend: Backend) {
    this.info = Object.freeze({ ...backend.info, tasks: [...backend.info.tasks] });
    BACKENDS.set(this, backend);
  }

  /** Frees the model's memory (tensors or onnxruntime sessions); the handle is unusable after. */
  dispose(): void {
    BACKENDS.get(this)?.dispose();
    BACKENDS.delete(this);
  }
}

/**
 * The backend behind a handle (an error for a disposed handle or another object).
 * @example const b = backendOf(model); await b.logitScale();
 */
export function backendOf(model: TaskModel): Backend {
  const b = BACKENDS.get(model);
  if (!b) throw new Error('zooclip: the model handle is disposed or was not made by loadTaskModel');
  return b;
}
