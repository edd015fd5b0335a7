// The libtorch backend of the shared caption decoder (src/decoding): a decoding session answers the
// search's step requests with host logits, so greedy, beam and top-p sampling choose tokens exactly
// as they do for the ONNX captioner. The search requests only unfinished rows; the session is
// reordered (rows repeated, dropped) to match before each step, which keeps its KV cache aligned.
import { tensor, tidy, type Tensor } from '../../engine/index.js';
import {
  beamSearch, greedySearch, runSearch, sampleSearch, sampleTopP, type Logits, type Step, type StepRequest, type Stopping,
} from '../../decoding/index.js';
import { Rng } from '../../data/loader/rng.js';
import { END_TOKEN, START_TOKEN } from './model.js';
import type { DecodeSession } from './session.js';

/** Logits [rows, columns] as host float32 (one copy off the device); `ids` names the columns' tokens. */
function hostLogits(t: Tensor, rows: number, ids?: readonly number[]): Logits {
  const cols = ids ? `${ids.length} output ids` : 'vocab';
  if (t.ndim !== 2 || t.size(0) !== rows || (ids && t.size(1) !== ids.length)) throw new Error(`decoder session: logits ${t.dtype}[${t.shape.join(', ')}], expected [${rows}, ${cols}]`);
  const data = (t.dtype === 'float32' ? t : t.to('float32')).data() as Float32Array;
  return { data, vocab: t.size(1), ids };
}

function isIdentity(from: readonly number[], rows: number): boolean {
  return from.length === rows && from.every((r, i) => r === i);
}

function reorderRows(s: DecodeSession, from: readonly number[], device: string): void {
  const t = tensor([...from], { dtype: 'int64', device });
  try { s.reorder(t); } finally { t.dispose(); }
}

/**
 * A decoding Step over a session that `open` makes for the first request's rows (row r captions
 * image rowImage[r]); later requests reorder the session to their rows first. The caller disposes
 * the session. Call under noGrad.
 * @example runSearch(greedySearch([0, 1], stop), sessionStep((rowImage) => (s = captionerSession(model, tokens, rowImage, true)), 'cpu'));
 */
export function sessionStep(open: (rowImage: readonly number[]) => DecodeSession, device: string): Step {
  let s: DecodeSession | null = null, rows = 0;
  return (req: StepRequest): Logits => {
    if (!s) s = open(req.image);
    else if (!isIdentity(req.parent, rows)) reorderRows(s, req.parent, device);
    rows = req.rows.length;
    const session = s;
    return tidy(() => {
      const ids = tensor(req.rows.flat(), { dtype: 'int64', device, shape: [rows, req.rows[0].length] });
      return hostLogits(session.next(ids), rows, session.outputIds);
    });
  };
}

/** Stopping rule of the captioner's vocabulary. */
const stop = (maxLength: number): Stopping => ({ start: START_TOKEN, end: END_TOKEN, maxLength });

/**
 * Greedy decoding of every row of a session (the most likely next token).
 * @example greedyDecode(session, 30, 'cpu') // [[320, 1125, ...], ...]
 */
export function greedyDecode(s: DecodeSession, maxLength: number, device: string): number[][] {
  return runSearch(greedySearch(Array.from({ length: s.rows }, (_, r) => r), stop(maxLength)), sessionStep(() => s, device));
}

/**
 * Nucleus sampling of one token per row of logits [rows, vocab] with uniform numbers u[r], by the
 * shared chooser (src/decoding/choose.ts).
 * @example nucleusPick(logits, 0.9, 1, [rng.next()]) // [1125]
 */
export function nucleusPick(logits: Tensor, topP: number, temperature: number, u: readonly number[]): number[] {
  const l = tidy(() => hostLogits(logits, u.length));
  return u.map((x, r) => sampleTopP(l, r, topP, temperature, x));
}

/** Options of sampleDecode. */
export interface SampleDecodeOptions {
  topP: number;
  temperature: number;
  maxLength: number;
  /** One generator seed per row; row r draws from new Rng(...rowSeeds[r]). */
  rowSeeds: readonly (readonly number[])[];
}

/**
 * Top-p / temperature sampling of every row of a session.
 * @example sampleDecode(session, { topP: 0.9, temperature: 1, maxLength: 30, rowSeeds: [[7, 0]] }, 'cpu')
 */
export function sampleDecode(s: DecodeSession, o: SampleDecodeOptions, device: string): number[][] {
  if (o.rowSeeds.length !== s.rows) throw new Error(`sample: ${o.rowSeeds.length} row seeds for ${s.rows} rows`);
  const rows = Array.from({ length: s.rows }, (_, r) => r);
  return runSearch(sampleSearch(rows, o.rowSeeds.map((seed) => new Rng(...seed)), { ...stop(o.maxLength), topP: o.topP, temperature: o.temperature }), sessionStep(() => s, device));
}

/** Options of beamDecode. */
export interface BeamDecodeOptions {
  /** Beam width k (>= 1). */
  beams: number;
  /** Captions returned per image (<= beams), best first. */
  n: number;
  maxLength: number;
  /** Score = log p / length^lengthPenalty (default 1). */
  lengthPenalty?: number;
}

/**
 * Beam search over a session with `beams` rows per image, image-major: the n best captions (token
 * ids without start/end) of each image.
 * @example beamDecode(captionerSession(model, feats.tokens, [0, 0, 0, 1, 1, 1], true), { beams: 3, n: 1, maxLength: 30 }, 'cpu')
 */
export function beamDecode(s: DecodeSession, o: BeamDecodeOptions, device: string): number[][][] {
  const k = o.beams;
  if (Number.isInteger(k) && k >= 1 && s.rows % k !== 0) throw new Error(`beam: ${s.rows} rows is not a multiple of ${k} beams`);
  const images = s.rows / k;
  // The search starts from one row per image: the first of each image's k rows.
  const open = (): DecodeSession => {
    if (k > 1) reorderRows(s, Array.from({ length: images }, (_, i) => i * k), device);
    return s;
  };
  return runSearch(beamSearch(images, { ...stop(o.maxLength), beams: k, n: o.n, lengthPenalty: o.lengthPenalty }), sessionStep(open, device));
}
