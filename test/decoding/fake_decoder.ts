// A deterministic fake decoder for the decoding tests: next-token logits are a fixed function of
// (image, tokens so far) over a 7-id vocabulary (ids 0-4 words, 5 start, 6 end), the end token
// growing likelier with length so captions end at various lengths. The step checks the search's
// contract: rows of equal length, each continuing its parent row of the previous request.
import assert from 'node:assert/strict';
import type { Logits, StepRequest } from '../../src/decoding/index.js';

export const VOCAB = 7, START = 5, END = 6;
export const TOKENS = { start: START, end: END };

/**
 * Logits of one row: smooth pseudo-random values of (image, tokens), -Infinity for the start token.
 * @example rowLogits(0, [START]) // 7 numbers
 */
export function rowLogits(image: number, tokens: readonly number[]): number[] {
  const h = tokens.reduce((s, t, i) => s + (t + 1) * (i + 1.7), image * 3.1);
  return Array.from({ length: VOCAB }, (_, v) => {
    if (v === START) return -Infinity;
    if (v === END) return tokens.length * 0.9 - 2.5 + Math.sin(h);
    return 2.5 * Math.sin(h * (v + 1) * 0.77 + v);
  });
}

/** A step function over rowLogits that records every request and checks its rows against the previous one. */
export function fakeStep(imageIds: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7]): { step: (req: StepRequest) => Logits; requests: StepRequest[] } {
  const requests: StepRequest[] = [];
  const step = (req: StepRequest): Logits => {
    const prev = requests.at(-1);
    const len = req.rows[0].length;
    req.rows.forEach((row, r) => {
      assert.equal(row.length, len, 'rows of one request have one length');
      if (prev) {
        assert.deepEqual(row.slice(0, -1), prev.rows[req.parent[r]], `row ${r} continues its parent ${req.parent[r]}`);
        assert.equal(req.image[r], prev.image[req.parent[r]]);
      } else {
        assert.deepEqual(row, [START]);
        assert.equal(req.parent[r], r);
      }
      assert.notEqual(row.at(-1), END, 'finished rows are not requested');
    });
    requests.push({ rows: req.rows.map((r) => [...r]), image: [...req.image], parent: [...req.parent] });
    const data = Float32Array.from(req.rows.flatMap((row, r) => rowLogits(imageIds[req.image[r]], row)));
    return { data, vocab: VOCAB };
  };
  return { step, requests };
}

/** Log probability of a token after `tokens` (float64, as the searches compute it). */
export function logProb(image: number, tokens: readonly number[], next: number): number {
  const l = Float32Array.from(rowLogits(image, tokens));
  const max = Math.max(...l);
  const lse = max + Math.log(l.reduce((s, x) => s + Math.exp(x - max), 0));
  return l[next] - lse;
}
