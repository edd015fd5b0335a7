// A labelled split held in memory: normalised images (or the frozen tower's features of them, for
// cached probe training) with every requested task's labels, read once with the Loader's eval
// transform (no augmentation), then batched by index in any order.
import { cat, clone, keep, tensor, tidy, type Tensor } from '../engine/index.js';
import { denormalize, Loader, shardSource, type Batch } from '../data/loader/index.js';
import { loaderNorm, type ImageNorm } from '../data/loader/preprocess.js';
import type { Box } from '../models/heads/index.js';
import { DENSE_TASKS, type DenseLabels, type DenseTaskName } from '../tasks/index.js';

/** A split in memory (tensors on one device). Dispose it when done. */
export interface DenseSet {
  readonly n: number;
  readonly keys: string[];
  readonly imageSize: number;
  /** float32 [N, 3, S, S] normalised images, unless only features were kept. */
  readonly images: Tensor | null;
  /** [N, C, h, w] frozen features (probe caching), when a featurizer was given. */
  readonly features: Tensor | null;
  /** bool [N] per task: which samples carry its label. */
  readonly present: Partial<Record<DenseTaskName, Tensor>>;
  /** uint8 [N, S, S] (255 = ignore); float32 [N, 1, S, S] metres (0 = invalid); float32 [N, 3, S, S] (0 = none). */
  readonly seg?: Tensor;
  readonly depth?: Tensor;
  readonly normal?: Tensor;
  readonly det?: { boxes: Box[][]; labels: number[][] };
  /** RGB (H x W x 3) of the first few images, for sample predictions. */
  readonly rgb: Uint8Array[];
  dispose(): void;
}

/** How a split is read. */
export interface ReadSetOptions {
  imageSize: number;
  /** The model's normalisation and eval filter (its preprocess_cfg; default OpenAI's, bicubic). */
  norm?: ImageNorm;
  tasks: readonly DenseTaskName[];
  device?: string;
  batch?: number;
  workers?: number;
  /** Frozen features of a batch of images (noGrad, eval mode: the caller's job); kept in place of images. */
  featurize?: (images: Tensor) => Tensor;
  /** Keep the images as well as features (default: only when there is no featurizer). */
  keepImages?: boolean;
  /** How many images' RGB to keep for sample predictions (default 4). */
  samples?: number;
  /** Read at most this many samples. */
  limit?: number;
}

/** What one batch adds to the set. */
type Part = { images?: Tensor; features?: Tensor; seg?: Tensor; depth?: Tensor; normal?: Tensor; present: Partial<Record<DenseTaskName, Tensor>> };

function partOf(b: Batch, o: ReadSetOptions, device: string, take: number): Part {
  return tidy(() => {
    const n = b.images.size(0), cut = (x: Tensor): Tensor => (take < n ? x.narrow(0, 0, take) : x);
    const images = cut(b.images.to(device));
    const p: Part = { present: {} };
    if (o.featurize) p.features = keep(clone(o.featurize(images)));
    if (!o.featurize || o.keepImages) p.images = keep(clone(images));
    for (const t of o.tasks) p.present[t] = keep(clone(cut(b.present![DENSE_TASKS[t].labelKind]!.to(device))));
    if (o.tasks.includes('seg')) p.seg = keep(cut(b.seg!.to('uint8').to(device)).contiguous());
    if (o.tasks.includes('depth')) p.depth = keep(clone(cut(b.depth!.to(device))));
    if (o.tasks.includes('normals')) p.normal = keep(clone(cut(b.normal!.to(device))));
    return p;
  });
}

function joined(parts: Part[], pick: (p: Part) => Tensor | undefined): Tensor | undefined {
  const list = parts.map(pick).filter((t): t is Tensor => t !== undefined);
  if (!list.length) return undefined;
  const out = list.length === 1 ? clone(list[0]!) : cat(list, 0);
  for (const t of list) t.dispose();
  return out;
}

/**
 * Reads shards into memory with the labels of `o.tasks` (eval transform: resize + center crop).
 * @example
 * const set = await readDenseSet(shards, { imageSize: 64, tasks: ['seg'] });
 * const { images, labels } = takeBatch(set, [0, 5, 9], 'seg');
 */
export async function readDenseSet(shards: string[], o: ReadSetOptions): Promise<DenseSet> {
  const device = o.device ?? 'cpu', wantRgb = o.samples ?? 4, limit = o.limit ?? Infinity;
  const loader = new Loader({ source: shardSource(shards), batchSize: o.batch ?? 64, imageSize: o.imageSize, train: false, shuffle: 0, iteration: 'epoch',
    dense: [...new Set(o.tasks.map((t) => DENSE_TASKS[t].labelKind))], workers: o.workers ?? 2, ...loaderNorm(o.norm) });
  const parts: Part[] = [], keys: string[] = [], rgb: Uint8Array[] = [];
  const det: { boxes: Box[][]; labels: number[][] } = { boxes: [], labels: [] };
  try {
    for await (const b of loader) {
      try {
        const take = Math.min(b.keys.length, limit - keys.length);
        parts.push(partOf(b, o, device, take));
        keys.push(...b.keys.slice(0, take));
        if (b.det) { det.boxes.push(...b.det.boxes.slice(0, take)); det.labels.push(...b.det.labels.slice(0, take)); }
        for (let i = 0; i < take && rgb.length < wantRgb; i++) {
          const s = o.imageSize;
          rgb.push(tidy(() => denormalize(b.images.select(0, i).to('cpu').data() as Float32Array, s, s, o.norm?.mean, o.norm?.std)));
        }
      } finally {
        b.dispose();
      }
      if (keys.length >= limit) break;
    }
  } catch (e) {
    for (const p of parts) disposePart(p);
    throw e;
  } finally {
    await loader.close();
  }
  if (!keys.length) throw new Error(`dense: no samples in ${shards.length ? shards.join(', ') : '(no shards)'}`);
  const present: Partial<Record<DenseTaskName, Tensor>> = {};
  for (const t of o.tasks) present[t] = joined(parts, (p) => p.present[t]);
  const set: DenseSet = {
    n: keys.length, keys, imageSize: o.imageSize, images: joined(parts, (p) => p.images) ?? null, features: joined(parts, (p) => p.features) ?? null, present,
    seg: joined(parts, (p) => p.seg), depth: joined(parts, (p) => p.depth), normal: joined(parts, (p) => p.normal),
    det: o.tasks.includes('det') ? det : undefined, rgb,
    dispose: () => { for (const t of [set.images, set.features, set.seg, set.depth, set.normal, ...Object.values(present)]) t?.dispose(); },
  };
  return set;
}

function disposePart(p: Part): void {
  for (const t of [p.images, p.features, p.seg, p.depth, p.normal, ...Object.values(p.present)]) t?.dispose();
}

/** A batch of a set by sample index: images and/or features, and `task`'s labels (new tensors: make them inside a tidy). */
export interface SetBatch { images: Tensor | null; features: Tensor | null; labels: DenseLabels }

/**
 * Selects samples `idx` of a set (call inside tidy()).
 * @example tidy(() => { const b = takeBatch(set, [3, 1], 'det'); ... });
 */
export function takeBatch(set: DenseSet, idx: readonly number[], task: DenseTaskName): SetBatch {
  for (const i of idx) if (!(Number.isInteger(i) && i >= 0 && i < set.n)) throw new Error(`dense: sample index ${i} outside [0, ${set.n})`);
  const device = (set.features ?? set.images)!.device;
  const at = tensor(Int32Array.from(idx), { device }).to('int64');
  const pick = (x: Tensor | null | undefined): Tensor | null => (x ? x.indexSelect(0, at) : null);
  const labels: DenseLabels = { present: pick(set.present[task])! };
  if (!set.present[task]) throw new Error(`dense: the set was read without '${task}' labels`);
  if (task === 'seg') labels.seg = pick(set.seg)!.to('int64');
  if (task === 'depth') labels.depth = pick(set.depth)!;
  if (task === 'normals') labels.normal = pick(set.normal)!;
  if (task === 'det') labels.det = { boxes: idx.map((i) => set.det!.boxes[i]!), labels: idx.map((i) => set.det!.labels[i]!) };
  return { images: pick(set.images), features: pick(set.features), labels };
}
