// The settings every supervised training loop of the zoo shares (captioner, experts): schedule,
// optimiser, device, data workers, logging and checkpoints; strict overlay and validation (the
// command-line options are src/cli/options.ts's LOOP_OPTIONS).

/** Schedule, optimiser, device and checkpoint settings of a zoo training run. */
export interface LoopConfig {
  steps: number;
  batch: number;
  lr: number;
  minLr: number;
  warmup: number;
  weightDecay: number;
  /** Max global gradient norm (0 = off). */
  clipGrad: number;
  seed: number;
  /** 'cpu', 'cuda:N', or '' for cuda:0 when present. */
  device: string;
  /** Intra-op threads (0 = libtorch's default). */
  threads: number;
  /** Decode worker threads. */
  workers: number;
  /** Smallest crop area fraction of the training RandomResizedCrop (1 = no cropping). */
  minCropScale: number;
  logEvery: number;
  /** Checkpoint every this many steps (0 = only at the end). */
  checkpointEvery: number;
  /** Checkpoints kept. */
  keep: number;
}

/**
 * Defaults overlaid with the given keys (unknown keys and wrong types are errors naming `who` and
 * the key), then the shared range checks.
 * @example const c = overlayConfig('train-expert', DEFAULT_EXPERT_TRAIN, { steps: 300 });
 */
export function overlayConfig<T extends LoopConfig>(who: string, defaults: T, given: Partial<T>): T {
  for (const k of Object.keys(given)) if (!(k in defaults)) throw new Error(`${who}: unknown option '${k}'`);
  const c = { ...defaults, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) } as T;
  for (const [k, v] of Object.entries(c)) {
    const d = (defaults as unknown as Record<string, unknown>)[k];
    if (typeof v !== typeof d) throw new Error(`${who}: ${k} must be a ${typeof d}, got ${JSON.stringify(v)}`);
  }
  checkLoop(who, c);
  return c;
}

/** An integer >= min, or an error naming the key. */
export function checkInt(who: string, v: number, key: string, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${who}: ${key} must be an integer >= ${min}, got ${v}`);
}

function checkLoop(who: string, c: LoopConfig): void {
  checkInt(who, c.steps, 'steps', 1);
  checkInt(who, c.batch, 'batch', 2);
  checkInt(who, c.warmup, 'warmup', 0);
  if (c.warmup >= c.steps) throw new Error(`${who}: warmup (${c.warmup}) must be below steps (${c.steps})`);
  for (const k of ['threads', 'workers', 'checkpointEvery', 'keep'] as const) checkInt(who, c[k], k, 0);
  checkInt(who, c.logEvery, 'logEvery', 1);
  if (!(c.lr > 0)) throw new Error(`${who}: lr must be > 0, got ${c.lr}`);
  if (!(c.minLr >= 0 && c.minLr <= c.lr)) throw new Error(`${who}: minLr must be in [0, lr], got ${c.minLr}`);
  if (!(c.weightDecay >= 0)) throw new Error(`${who}: weightDecay must be >= 0, got ${c.weightDecay}`);
  if (!(c.clipGrad >= 0)) throw new Error(`${who}: clipGrad must be >= 0, got ${c.clipGrad}`);
  if (!(c.minCropScale > 0 && c.minCropScale <= 1)) throw new Error(`${who}: minCropScale must be in (0, 1], got ${c.minCropScale}`);
}
