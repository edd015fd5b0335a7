// Autograd controls over libtorch's own engine: grad modes and gradient checkpointing.
import { native } from './native.js';
import { keep, tidy } from './scope.js';
import { Tensor } from './tensor.js';

/**
 * Runs fn with gradient recording off (as torch.no_grad()).
 * @example const logits = noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  const prev = native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

/**
 * Runs fn with gradient recording on (inside a noGrad region, for instance).
 * @example noGrad(() => enableGrad(() => isGradEnabled())) // true
 */
export function enableGrad<T>(fn: () => T): T {
  const prev = native.setGradEnabled(true);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}

/**
 * Whether ops record gradients now, as torch.is_grad_enabled().
 * @example noGrad(() => isGradEnabled()) // false
 */
export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

/**
 * Backpropagates from several outputs at once (grads default to ones for scalars).
 * @example const w = randn([3]).requiresGrad_(); backward([w.sum(), w.square().sum()]); // w.grad = 1 + 2w
 */
export function backward(outputs: readonly Tensor[], grads: readonly (Tensor | null)[] = [], retainGraph = false): void {
  native.backward(outputs.map((o) => o.id), outputs.map((_, i) => grads[i]?.id ?? -1), retainGraph);
}

type SegmentFn = (...xs: Tensor[]) => Tensor | Tensor[];
interface Segment { fn: SegmentFn; rng: Tensor; nInputs: number }
const segments = new Map<number, Segment>();
let nextToken = 1;
let anchor: Tensor | null = null;

// Handles passed between C++ and the recompute are owned by C++: JS must neither track nor free them.
function borrow(id: number): Tensor {
  const x = new Tensor(id);
  x.kept = true;
  return x;
}
function giveBack(x: Tensor): number {
  const id = x.id;
  x.kept = true;
  x.id = -1;
  return id;
}

native.setCheckpointRecompute((token, leafIds) => {
  const seg = segments.get(token);
  if (!seg) throw new Error(`checkpoint segment ${token} is gone (backward through it twice without retainGraph?)`);
  const rngNow = native.getRngState();
  native.setRngState(seg.rng.id);
  const prevGrad = native.setGradEnabled(true);
  const leaves = leafIds.map(borrow);
  try {
    const outs = tidy(() => seg.fn(...leaves.slice(0, seg.nInputs)));
    return (Array.isArray(outs) ? outs : [outs]).map(giveBack);
  } finally {
    for (const l of leaves) l.id = -1;
    native.setGradEnabled(prevGrad);
    native.setRngState(rngNow);
    native.dispose(rngNow);
  }
});

/**
 * Gradient checkpointing: runs fn without keeping its activations and recomputes it during
 * backward (with the same CPU random state, so dropout masks match). Memory for speed.
 * @example x = checkpoint((h) => block.forward(h), x) as Tensor;
 */
export function checkpoint(fn: SegmentFn, ...inputs: Tensor[]): Tensor | Tensor[] {
  if (!native.isGradEnabled()) return fn(...inputs);
  for (const tok of native.drainDeadCheckpoints()) {
    segments.get(tok)?.rng.dispose();
    segments.delete(tok);
  }
  // Parameters inside fn need a graph edge even when no input requires grad.
  anchor ??= keep(new Tensor(native.call(native.findOp('aten::ones', ''), [], 6, null, null) as number).requiresGrad_(true));
  const token = nextToken++;
  const rng = keep(new Tensor(native.getRngState()));
  const outs = tidy(() => noGrad(() => fn(...inputs)));
  const list = Array.isArray(outs) ? outs : [outs];
  const wrapped = native.checkpointWrap(token, [...inputs.map((x) => x.id), anchor.id], list.map((o) => o.id));
  for (const o of list) o.dispose();
  segments.set(token, { fn, rng, nInputs: inputs.length });
  const result = wrapped.map((h) => new Tensor(h));
  return Array.isArray(outs) ? result : (result[0] as Tensor);
}

/**
 * Checkpoint segments whose graph is still alive (for leak tests).
 * @example assert.equal(liveCheckpointSegments(), 0); // in a leak test, once the step's graph is gone
 */
export function liveCheckpointSegments(): number {
  for (const tok of native.drainDeadCheckpoints()) {
    segments.get(tok)?.rng.dispose();
    segments.delete(tok);
  }
  return segments.size;
}
