// Memory scopes: tensors made inside tidy(fn) are disposed when fn returns, except what fn
// returns and what keep() marks. Scopes are synchronous, like tfjs's.
import type { Tensor } from './tensor.js';

const stack: Tensor[][] = [];

/** Records a new tensor in the innermost scope (no-op outside any scope). */
export function track(t: Tensor): void {
  const top = stack[stack.length - 1];
  if (top) top.push(t);
}

/**
 * Exempts a tensor from every enclosing and future scope; the caller disposes it.
 * @example const stats: Tensor[] = []; tidy(() => { stats.push(keep(x.square().mean())); }); // the square is freed, the mean stays
 */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  return t;
}

function collect(value: unknown, out: Set<Tensor>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if ((value as Tensor).isTensor === true) { out.add(value as Tensor); return; }
  if (Array.isArray(value)) { for (const v of value) collect(v, out, depth + 1); return; }
  if (value instanceof Map) { for (const v of value.values()) collect(v, out, depth + 1); return; }
  if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, out, depth + 1);
}

/**
 * Runs fn in a scope and disposes every tensor it created, except the ones it returns (found in
 * arrays, maps and plain objects) and kept ones. Returned tensors move to the enclosing scope.
 * @example const loss = tidy(() => model.forward(x).sub(y).square().mean());
 */
export function tidy<T>(fn: () => T): T {
  stack.push([]);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    for (const t of stack.pop()!) if (!t.kept && !t.isDisposed) t.dispose();
    throw e;
  }
  const scope = stack.pop()!;
  if (result instanceof Promise) {
    throw new Error('tidy: fn returned a Promise; scopes are synchronous (await outside tidy, or tidy each step)');
  }
  const out = new Set<Tensor>();
  collect(result, out);
  const parent = stack[stack.length - 1];
  for (const t of scope) {
    if (t.kept || t.isDisposed) continue;
    if (out.has(t)) parent?.push(t);
    else t.dispose();
  }
  return result;
}

/**
 * How deep the scope stack is (0 outside tidy).
 * @example tidy(() => scopeDepth()) // 1
 */
export function scopeDepth(): number {
  return stack.length;
}
