// Tensor comparison with explicit tolerances: |a - b| <= atol + rtol * |b| elementwise.
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/engine/index.js';

export interface Tol { rtol?: number; atol?: number }

export function assertClose(actual: Tensor, expected: Tensor, what: string, tol: Tol = {}): void {
  const rtol = tol.rtol ?? 1e-4, atol = tol.atol ?? 1e-5;
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape [${actual.shape}] vs expected [${expected.shape}]`);
  const a = actual.toArray(), e = expected.toArray();
  let worst = 0, at = -1;
  for (let i = 0; i < e.length; i++) {
    const ai = a[i] as number, ei = e[i] as number;
    if (Number.isNaN(ei) && Number.isNaN(ai)) continue;
    if (!Number.isFinite(ei) && ai === ei) continue;
    const excess = Math.abs(ai - ei) - (atol + rtol * Math.abs(ei));
    if (excess > worst || Number.isNaN(excess)) { worst = Number.isNaN(excess) ? Infinity : excess; at = i; }
  }
  assert.ok(at < 0, `${what}: element ${at} is ${a[at]}, expected ${e[at]} (rtol ${rtol}, atol ${atol})`);
}
