// The reinforce stage (DataCompDR's dataset reinforcement): every sample of the input shards gets
// `paug.json` (N stored augmentations) and `npz` (the teacher ensemble's image embedding of each
// stored view, and its text embeddings of the real caption, row 0, and each syn.json caption,
// row 1 + k), next to its untouched fields, on the shard-mapping machinery of caption and label.
import { IMAGE_KEYS } from '../../data/loader/transform.js';
import { syntheticCaptions } from '../../data/loader/captions.js';
import { renderView, storedViewPlan } from '../../data/loader/view.js';
import { toHalf, writeNpz, type NpyArray } from '../../data/shards/npz.js';
import { encodePaug } from '../../data/shards/paug.js';
import { mapShards, stageRunFields, type MapSample, type ShardMapResult, type StageRunOptions } from '../../zoo/shard_map.js';
import { ensembleDim, ensembleImages, ensembleTexts, type ReinforceTeacher } from './teachers.js';
import { sampleViews, type ViewSampling } from './views.js';

/** Settings of {@link runReinforce}. */
export interface ReinforceRunOptions extends StageRunOptions {
  /** Stored views per sample (DataCompDR: 30 for its 12M set, 10 for 1B). */
  augs: number;
  /** Storage of the embeddings (default f16, as DataCompDR). */
  dtype?: 'f16' | 'f32';
  /** View side (default: the teachers' image size; every teacher must take it). */
  size?: number;
  /** RandAugment (2 ops, magnitude 9) in every stored view (default true, as DataCompDR). */
  randAugment?: boolean;
  /** Flip probability (default 0: no flip, as DataCompDR; the entries then have no flip place). */
  flip?: number;
  /** RandomResizedCrop's area range (default torchvision's [0.08, 1]). */
  scale?: [number, number];
  /** Seed of the stored views (with each key: the same views however the run is split). */
  seed?: number;
  /** Views per teacher forward (default 64). */
  viewBatch?: number;
}

/** What a run did: the shard mapping's result plus the teacher work. */
export interface ReinforceResult extends ShardMapResult {
  /** Views encoded by one teacher each (views x teachers), and per second of the run. */
  teacherPasses: number;
  teacherPassesPerSecond: number;
}

/** The view sampling of a run, checked; the view size agreed with every teacher. */
function checkOptions(teachers: readonly ReinforceTeacher[], o: ReinforceRunOptions): ViewSampling {
  const bad = (m: string): never => { throw new Error(`reinforce: ${m}`); };
  if (!teachers.length) bad('no teachers (--teacher MODEL, once per teacher)');
  if (!(Number.isInteger(o.augs) && o.augs >= 1)) bad(`--augs must be a positive integer, got ${o.augs}`);
  if (o.dtype !== undefined && o.dtype !== 'f16' && o.dtype !== 'f32') bad(`--dtype must be f16 or f32, got '${String(o.dtype)}'`);
  const size = o.size ?? teachers[0]!.model.cfg.vision_cfg.image_size;
  if (!(Number.isInteger(size) && size >= 1)) bad(`--size must be a positive integer, got ${size}`);
  for (const t of teachers) {
    const s = t.model.cfg.vision_cfg.image_size;
    if (s !== size) bad(`teacher ${t.name} takes ${s} px images, the views are ${size} px (teachers of one run share an image size; --size sets it)`);
  }
  const flip = o.flip ?? 0, scale = o.scale ?? [0.08, 1];
  if (!(flip >= 0 && flip <= 1)) bad(`--flip must be in [0, 1], got ${flip}`);
  if (!(scale[0] > 0 && scale[0] <= scale[1] && scale[1] <= 1)) bad(`--scale must satisfy 0 < lo <= hi <= 1, got [${scale.join(', ')}]`);
  return { augs: o.augs, size, seed: o.seed ?? 0, scale, ratio: [3 / 4, 4 / 3], flip, randAugment: o.randAugment ?? true };
}

/** A sample's views: its paug.json entries and their pixels, made by the loader's replay code. */
function sampleStoredViews(s: MapSample, v: ViewSampling, maxPixels: number | undefined): { paug: string; views: Uint8Array[] } {
  const ext = IMAGE_KEYS.find((k) => s.fields.has(k))!;
  const { width, height } = s.image, bytes = s.fields.get(ext)!;
  const entries = sampleViews(s.key, width, height, v);
  const views = entries.map((e, k) => renderView(bytes, storedViewPlan(e, width, height, `shard ${s.shard} key ${s.key} param_aug[${k}]`), v.size, maxPixels));
  return { paug: encodePaug(entries), views };
}

/** The npz of one sample: rows [from, from + n) of the image and text embeddings. */
function sampleNpz(img: Float32Array, txt: Float32Array, dim: number, nImg: number, nTxt: number, dtype: 'f16' | 'f32'): Buffer {
  const arr = (rows: Float32Array, n: number): NpyArray => (dtype === 'f16' ? { dtype: 'f2', shape: [n, dim], data: toHalf(rows) } : { dtype: 'f4', shape: [n, dim], data: Float32Array.from(rows) });
  return writeNpz({ image_emb: arr(img, nImg), text_emb: arr(txt, nTxt) });
}

/**
 * Reinforces this rank's shards with a teacher ensemble (which the caller owns and disposes).
 * @example
 * const teachers = ['runs/teacher-a', 'runs/teacher-b'].map((m) => loadTeacher(m));
 * try { await runReinforce(teachers, { in: 'data/synth/web', out: 'data/synth/web-dr', augs: 30 }); } finally { for (const t of teachers) t.model.dispose(); }
 */
export async function runReinforce(teachers: readonly ReinforceTeacher[], o: ReinforceRunOptions): Promise<ReinforceResult> {
  const v = checkOptions(teachers, o);
  const dtype = o.dtype ?? 'f16', dim = ensembleDim(teachers), chunk = o.viewBatch ?? 64;
  if (!(Number.isInteger(chunk) && chunk >= 1)) throw new Error(`reinforce: --view-batch must be a positive integer, got ${chunk}`);
  const settings = { teachers: teachers.map((t) => t.name), augs: v.augs, size: v.size, dtype, randAugment: v.randAugment, flip: v.flip, scale: v.scale, seed: v.seed };
  const t0 = performance.now();
  let passes = 0;
  const r = await mapShards({
    stage: 'reinforce', ...stageRunFields(o), batch: o.batch ?? 8, adds: ['paug.json', 'npz'], settings,
    progressNote: () => `${(passes / ((performance.now() - t0) / 1000)).toFixed(1)} teacher passes/s`,
    map: async (batch) => {
      const made = batch.map((s) => sampleStoredViews(s, v, o.maxPixels));
      const texts = batch.map((s) => [s.fields.has('txt') ? s.fields.get('txt')!.toString('utf8').trim() : '', ...syntheticCaptions(s.fields.get('syn.json'))]);
      const img = ensembleImages(teachers, made.flatMap((m) => m.views), v.size, chunk);
      const txt = ensembleTexts(teachers, texts.flat(), chunk);
      passes += made.length * v.augs * teachers.length;
      let row = 0;
      return made.map((m, i) => {
        const nTxt = texts[i]!.length, from = row;
        row += nTxt;
        return { 'paug.json': m.paug, npz: sampleNpz(img.subarray(i * v.augs * dim, (i + 1) * v.augs * dim), txt.subarray(from * dim, row * dim), dim, v.augs, nTxt, dtype) };
      });
    },
  });
  return { ...r, teacherPasses: passes, teacherPassesPerSecond: r.seconds > 0 ? passes / r.seconds : 0 };
}
