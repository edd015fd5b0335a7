// Teachers of the reinforce stage: any model zooclip loads for evaluation (a training checkpoint or
// run, an open_clip folder, a config name), each embedding views and captions L2-normalised; an
// ensemble's rows are the teachers' embeddings side by side (DataCompDR: 2 x 768).
import { native } from '../../engine/native.js';
import { noGrad, tidy, wrap } from '../../engine/index.js';
import { loadModelForEval } from '../../eval/load_model.js';
import type { CLIP } from '../../models/clip.js';
import { tokenize } from '../../tokenizer/index.js';

/** One teacher: a CLIP in eval mode on `device`, and the name recorded in the stage's settings. */
export interface ReinforceTeacher { name: string; model: CLIP; device: string }

/**
 * Loads a teacher the way `zooclip eval` and `zooclip export` load a model.
 * @example const t = loadTeacher('runs/teacher-a', { device: 'cuda:0' }); ... t.model.dispose();
 */
export function loadTeacher(spec: string, o: { device?: string; seed?: number } = {}): ReinforceTeacher {
  const device = o.device ?? 'cpu';
  const loaded = loadModelForEval(spec, { device, seed: o.seed });
  const name = loaded.kind === 'config' ? `${spec} (random init, seed ${o.seed ?? 0})` : `${loaded.path} (${loaded.weights}${loaded.step !== undefined ? ` step ${loaded.step}` : ''})`;
  return { name, model: loaded.model, device };
}

/** Embedding width of a teacher ensemble (the sum of the teachers' embed_dim). */
export function ensembleDim(teachers: readonly ReinforceTeacher[]): number {
  return teachers.reduce((a, t) => a + t.model.cfg.embed_dim, 0);
}

/** Copies each teacher's [n, D_t] rows into their columns of the ensemble's [n, sum D_t] rows. */
function interleave(parts: readonly Float32Array[], dims: readonly number[], n: number): Float32Array {
  const total = dims.reduce((a, b) => a + b, 0), out = new Float32Array(n * total);
  let col = 0;
  parts.forEach((p, t) => {
    const d = dims[t]!;
    for (let i = 0; i < n; i++) out.set(p.subarray(i * d, (i + 1) * d), i * total + col);
    col += d;
  });
  return out;
}

/** One teacher's L2-normalised embeddings of 8-bit RGB views (size x size), `chunk` per forward. */
function teacherImages(t: ReinforceTeacher, views: readonly Uint8Array[], size: number, chunk: number): Float32Array {
  const { mean, std } = t.model.cfg.preprocess_cfg, d = t.model.cfg.embed_dim;
  const out = new Float32Array(views.length * d);
  for (let s = 0; s < views.length; s += chunk) {
    const rows = tidy(() => noGrad(() => {
      const x = wrap(native.imagesToTensor(views.slice(s, s + chunk), size, size, mean, std));
      return t.model.encodeImage(t.device === 'cpu' ? x : x.to(t.device)).to('cpu').to('float32').data() as Float32Array;
    }));
    out.set(rows, s * d);
  }
  return out;
}

/** One teacher's L2-normalised embeddings of captions (its own context length), `chunk` per forward. */
function teacherTexts(t: ReinforceTeacher, texts: readonly string[], chunk: number): Float32Array {
  const d = t.model.cfg.embed_dim, ctx = t.model.cfg.text_cfg.context_length;
  const out = new Float32Array(texts.length * d);
  for (let s = 0; s < texts.length; s += chunk) {
    const rows = tidy(() => noGrad(() => t.model.encodeText(tokenize(texts.slice(s, s + chunk), ctx).to(t.device)).to('cpu').to('float32').data() as Float32Array));
    out.set(rows, s * d);
  }
  return out;
}

/**
 * The ensemble's image rows [n, sum D_t] of views (each teacher L2-normalised, then side by side).
 * @example const rows = ensembleImages([a, b], views, 224, 64); // Float32Array(views.length * (Da + Db))
 */
export function ensembleImages(teachers: readonly ReinforceTeacher[], views: readonly Uint8Array[], size: number, chunk: number): Float32Array {
  return interleave(teachers.map((t) => teacherImages(t, views, size, chunk)), teachers.map((t) => t.model.cfg.embed_dim), views.length);
}

/**
 * The ensemble's text rows [n, sum D_t] of captions.
 * @example const rows = ensembleTexts([a, b], ['a red cube', 'two spheres'], 64);
 */
export function ensembleTexts(teachers: readonly ReinforceTeacher[], texts: readonly string[], chunk: number): Float32Array {
  return interleave(teachers.map((t) => teacherTexts(t, texts, chunk)), teachers.map((t) => t.model.cfg.embed_dim), texts.length);
}
