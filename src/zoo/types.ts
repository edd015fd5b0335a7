// The model zoo's plugin contracts: a captioner writes quality captions for images, an expert
// predicts one dense task (or boxes) for images. Stages (`zooclip caption`, `zooclip label`) only
// see these interfaces; zooclip checkpoints, ONNX models and npm-shipped detectors implement them.
import type { DenseTaskName } from '../tasks/names.js';

/** An RGB image, HWC uint8, as decoded from a shard (no resizing: experts and captioners resize themselves). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** How captions are generated. */
export interface CaptionOptions {
  /** Captions per image. */
  n: number;
  /** greedy (n must be 1 unless duplicates are fine), beam, or sample (top-p / temperature). */
  strategy: 'greedy' | 'beam' | 'sample';
  /** Nucleus mass for sampling (DataCompDR: 0.9). */
  topP: number;
  temperature: number;
  /** Beam width for beam search. */
  beams: number;
  /** Most tokens generated per caption (without start/end). */
  maxLength: number;
  /** Seed of sampling; with the image's key it makes each image's captions reproducible, whatever the batch. */
  seed: number;
}

/** Sensible defaults (DataCompDR's sampling). */
export const DEFAULT_CAPTION_OPTIONS: CaptionOptions = { n: 5, strategy: 'sample', topP: 0.9, temperature: 1, beams: 4, maxLength: 30, seed: 0 };

/** Writes captions. */
export interface Captioner {
  /** What it is, for logs and `syn.json` provenance (e.g. 'zooclip:runs/captioner'). */
  readonly name: string;
  /**
   * `o.n` captions per image, in input order. `keys` (the samples' keys) seed sampling per image,
   * so the result does not depend on how images were batched.
   */
  caption(images: RgbImage[], keys: string[], o: CaptionOptions): Promise<string[][]>;
  dispose(): void;
}

/** The tasks experts serve: the dense tasks (src/tasks). */
export type { DenseTaskName } from '../tasks/names.js';

// What an expert predicts per task is the task layer's (src/tasks/outputs.ts).
export type { SegLabels, DepthMap, NormalMap, Detections, ExpertOutput } from '../tasks/outputs.js';
import type { ExpertOutput } from '../tasks/outputs.js';

/** How confident a prediction must be to become a hard label. */
export interface ExpertOptions {
  /** seg: lowest max-softmax probability kept (else 255); det: lowest box score kept. Default 0.5 for det, 0 for seg. */
  threshold?: number;
}

/** Predicts one task. */
export interface Expert {
  readonly task: DenseTaskName;
  readonly name: string;
  /** Class names of seg / det labels, when known (det.json `names`, template captions). */
  readonly classes?: readonly string[];
  predict(images: RgbImage[], o?: ExpertOptions): Promise<ExpertOutput[]>;
  dispose(): void;
}
