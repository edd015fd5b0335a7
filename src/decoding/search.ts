// Caption search independent of the backend that runs the decoder. A search is a generator: each
// step it yields a StepRequest (the live rows' tokens so far) and receives those rows' next-token
// logits; a driver (runSearch for a synchronous backend such as libtorch, runSearchAsync for
// onnxruntime) feeds it from the backend's step function. Only rows still being written are
// requested, so a backend never computes finished rows; `parent` tells a backend with per-row state
// (a KV cache) which earlier row each row continues.
import { argmaxRow, sampleTopP, type Logits } from './choose.js';

/** What a search asks of the decoder for one step. */
export interface StepRequest {
  /** Each row's tokens so far, the start token first; all rows have the same length. */
  readonly rows: readonly (readonly number[])[];
  /** The image each row captions (an index into the images being captioned). */
  readonly image: readonly number[];
  /**
   * Row r continues row parent[r] of the previous request (beam search reorders and repeats rows,
   * finished rows are left out). In the first request it is the identity.
   */
  readonly parent: readonly number[];
}

/** A backend's decoder step: the next-token logits [rows, vocab] of a request's rows. */
export type Step = (req: StepRequest) => Logits;
/** The same for a backend that runs asynchronously (onnxruntime). */
export type AsyncStep = (req: StepRequest) => Promise<Logits>;
/** A search in progress: yields requests, receives their logits, returns its result. */
export type Search<T> = Generator<StepRequest, T, Logits>;

/** The start and end token ids of the decoder's vocabulary. */
export interface SpecialTokens {
  start: number;
  end: number;
}

/**
 * Runs a search to its end on a synchronous step function.
 * @example const ids = runSearch(greedySearch([0, 1], { start: 49406, end: 49407, maxLength: 30 }), step);
 */
export function runSearch<T>(search: Search<T>, step: Step): T {
  for (let r = search.next(); ;) {
    if (r.done) return r.value;
    r = search.next(checkLogits(step(r.value), r.value));
  }
}

/**
 * Runs a search to its end on an asynchronous step function.
 * @example const ids = await runSearchAsync(captionSearch(keys, options, tokens), (req) => onnxStep(req));
 */
export async function runSearchAsync<T>(search: Search<T>, step: AsyncStep): Promise<T> {
  for (let r = search.next(); ;) {
    if (r.done) return r.value;
    r = search.next(checkLogits(await step(r.value), r.value));
  }
}

/** Throws unless the step gave one row of logits per requested row. */
function checkLogits(l: Logits, req: StepRequest): Logits {
  const rows = req.rows.length;
  if (!(Number.isInteger(l.vocab) && l.vocab > 0) || l.data.length !== rows * l.vocab) {
    throw new Error(`decoding: the decoder step returned ${l.data.length} logits with vocab ${l.vocab} for ${rows} rows (expected ${rows} x vocab)`);
  }
  if (l.ids && l.ids.length !== l.vocab) throw new Error(`decoding: the decoder step named ${l.ids.length} token ids for ${l.vocab} logit columns`);
  return l;
}

/** Stopping rule: a row stops at the end token or after maxLength tokens (start and end not counted). */
export interface Stopping extends SpecialTokens {
  maxLength: number;
}

/** Picks row `live`'s next token (row `row` of the initial rows) from the step's logits. */
type Chooser = (logits: Logits, live: number, row: number) => number;

/** One token per row and step until every row has stopped; each initial row's tokens (no start/end). */
function* stepwise(imageOf: readonly number[], o: Stopping, choose: Chooser): Search<number[][]> {
  const seqs = imageOf.map(() => [o.start]);
  let live = imageOf.map((_, r) => r), parent = live;
  for (let t = 0; t < o.maxLength && live.length > 0; t++) {
    const logits = yield { rows: live.map((r) => seqs[r]), image: live.map((r) => imageOf[r]), parent };
    const next: number[] = [], from: number[] = [];
    live.forEach((r, j) => {
      const id = choose(logits, j, r);
      if (id === o.end) return;
      seqs[r].push(id);
      next.push(r);
      from.push(j);
    });
    live = next;
    parent = from;
  }
  return seqs.map((s) => s.slice(1));
}

/**
 * Greedy search: the most likely token each step, one row per entry of imageOf.
 * @example runSearch(greedySearch([0, 1], { start: 49406, end: 49407, maxLength: 30 }), step); // [[320, 1125], [...]]
 */
export function greedySearch(imageOf: readonly number[], o: Stopping): Search<number[][]> {
  return stepwise(imageOf, o, (l, j) => argmaxRow(l, j));
}

/** A source of uniform numbers in [0, 1) (an Rng). */
export interface Uniform {
  next(): number;
}

/** Options of sampleSearch. */
export interface SampleOptions extends Stopping {
  /** Nucleus mass (> 0). */
  topP: number;
  /** Logits are divided by it before the softmax (> 0). */
  temperature: number;
  /** Sample among the topK most likely tokens only (0 or absent: all). */
  topK?: number;
}

/**
 * Top-k / top-p / temperature sampling, one row per entry of imageOf; row r draws one number per step
 * from its own generator rngs[r], so a row's tokens do not depend on the other rows.
 * @example runSearch(sampleSearch([0], [captionRng(0, 'zoo-0000001', 0)], { start: 49406, end: 49407, maxLength: 30, topP: 0.9, temperature: 1 }), step);
 */
export function sampleSearch(imageOf: readonly number[], rngs: readonly Uniform[], o: SampleOptions): Search<number[][]> {
  if (!(o.temperature > 0)) throw new Error(`caption options: temperature must be > 0, got ${o.temperature}`);
  if (!(o.topP > 0)) throw new Error(`caption options: topP must be > 0, got ${o.topP}`);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 0)) throw new Error(`caption options: topK must be a non-negative integer (0 = off), got ${o.topK}`);
  if (rngs.length !== imageOf.length) throw new Error(`decoding: ${rngs.length} generators for ${imageOf.length} rows`);
  return stepwise(imageOf, o, (l, j, r) => sampleTopP(l, j, o.topP, o.temperature, rngs[r].next(), o.topK));
}
