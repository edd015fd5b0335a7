// Module: parameters, buffers and children registered in declaration order, so state-dict keys
// and their order follow PyTorch's (own parameters, own buffers, then children, recursively).
import { keep, noGrad, type DType, type Tensor } from '../engine/index.js';
import { loadProblems, type FiniteOptions } from './load_check.js';

export interface LoadReport { missing: string[]; unexpected: string[]; mismatched: string[] }

/** Options of Module.loadStateDict. */
export interface LoadOptions extends FiniteOptions {
  /** Missing, unexpected and mis-shaped keys are an error (default true); otherwise reported and skipped. */
  strict?: boolean;
}

/**
 * A layer or model: registers its children and parameters in declaration order, so stateDict()
 * keys match open_clip's (`visual.transformer.resblocks.0.attn.in_proj_weight`).
 * @example
 * class Scale extends Module {
 *   readonly weight = this.param('weight', ones([8]));
 *   forward(x: Tensor): Tensor { return x.mul(this.weight); }
 * }
 * new Scale().stateDict().keys(); // 'weight'
 */
export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, { t: Tensor; persistent: boolean }>();
  private readonly children = new Map<string, Module>();

  /** Registers a parameter (kept out of tidy scopes, requiring grad). */
  protected param(name: string, t: Tensor): Tensor {
    if (this.params.has(name) || this.children.has(name)) throw new Error(`${this.constructor.name}: '${name}' registered twice`);
    keep(t);
    t.requiresGrad = true;
    this.params.set(name, t);
    return t;
  }
  /** Registers a buffer; non-persistent buffers stay out of the state dict. */
  protected buffer(name: string, t: Tensor, persistent = true): Tensor {
    keep(t);
    this.buffers.set(name, { t, persistent });
    return t;
  }
  protected child<M extends Module>(name: string, m: M): M {
    if (this.children.has(name) || this.params.has(name)) throw new Error(`${this.constructor.name}: '${name}' registered twice`);
    this.children.set(name, m);
    return m;
  }

  /** Unregisters and disposes a child (reparameterize() drops its training-time branches this way). */
  removeChild(name: string): void {
    const c = this.children.get(name);
    if (!c) return;
    c.dispose();
    this.children.delete(name);
  }

  namedChildren(): [string, Module][] {
    return [...this.children.entries()];
  }
  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [n, c] of this.children) yield* c.namedModules(prefix ? `${prefix}.${n}` : n);
  }
  *namedParameters(prefix = ''): Generator<[string, Tensor]> {
    for (const [n, p] of this.params) yield [prefix + n, p];
    for (const [n, c] of this.children) yield* c.namedParameters(`${prefix}${n}.`);
  }
  parameters(): Tensor[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }
  *namedBuffers(prefix = '', persistentOnly = false): Generator<[string, Tensor]> {
    for (const [n, b] of this.buffers) if (!persistentOnly || b.persistent) yield [prefix + n, b.t];
    for (const [n, c] of this.children) yield* c.namedBuffers(`${prefix}${n}.`, persistentOnly);
  }
  /** Number of parameter elements. */
  numParams(): number {
    return this.parameters().reduce((s, p) => s + p.numel, 0);
  }

  /** Parameters and persistent buffers by key, in PyTorch's state-dict order. Tensors are shared, not copied. */
  stateDict(prefix = ''): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    this.collectState(prefix, out);
    return out;
  }
  private collectState(prefix: string, out: Map<string, Tensor>): void {
    for (const [n, p] of this.params) out.set(prefix + n, p);
    for (const [n, b] of this.buffers) if (b.persistent) out.set(prefix + n, b.t);
    for (const [n, c] of this.children) c.collectState(`${prefix}${n}.`, out);
  }

  /**
   * Copies values from a state dict. With strict (default) any missing, unexpected or
   * mis-shaped key is an error naming them all; otherwise they are reported and skipped.
   * Whatever `strict`, a stored dtype that does not equal the parameter's/buffer's (or widen to it
   * losslessly: F16/BF16 -> F32/F64, F32 -> F64, narrower -> wider ints; see LOSSLESS_CASTS) is an
   * error, and so are NaN/Inf in a float tensor unless `allowNonFinite`. Errors name the keys;
   * callers that read a file prefix its path. Nothing is copied when any check fails.
   * @example model.loadStateDict(loadSafetensors('model.safetensors').tensors); // throws on 'w' stored as int32
   */
  loadStateDict(sd: Map<string, Tensor>, opts: LoadOptions = {}): LoadReport {
    const own = this.stateDict();
    const report: LoadReport = { missing: [], unexpected: [], mismatched: [] };
    for (const k of own.keys()) if (!sd.has(k)) report.missing.push(k);
    for (const k of sd.keys()) if (!own.has(k)) report.unexpected.push(k);
    const loadable: [string, Tensor, Tensor][] = [];
    for (const [k, t] of own) {
      const src = sd.get(k);
      if (!src) continue;
      if (src.shape.join(',') !== t.shape.join(',')) report.mismatched.push(`${k}: checkpoint [${src.shape}] vs model [${t.shape}]`);
      else loadable.push([`'${k}'`, src, t]);
    }
    const parts = (opts.strict ?? true) ? [
      report.missing.length ? `missing keys: ${report.missing.join(', ')}` : '',
      report.unexpected.length ? `unexpected keys: ${report.unexpected.join(', ')}` : '',
      report.mismatched.length ? `shape mismatches: ${report.mismatched.join('; ')}` : '',
    ].filter(Boolean) : [];
    parts.push(...loadProblems(loadable, opts));
    if (parts.length) throw new Error(`loadStateDict(${this.constructor.name}): ${parts.join('; ')}`);
    noGrad(() => {
      for (const [, src, t] of loadable) t.copy_(src);
    });
    return report;
  }

  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Moves or casts parameters and buffers in place, keeping their identity (floating dtypes only for casts). */
  to(target: string | DType): this {
    noGrad(() => {
      for (const t of [...this.parameters(), ...[...this.namedBuffers()].map(([, b]) => b)]) {
        const isDevice = target === 'cpu' || target.startsWith('cuda');
        if (!isDevice && !['float32', 'float16', 'bfloat16', 'float64'].includes(t.dtype)) continue;
        const moved = t.to(target);
        t.setData(moved);
        moved.dispose();
      }
    });
    return this;
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
    for (const [, b] of this.namedBuffers()) b.dispose();
  }
}

/** Children named 0, 1, 2, ... (nn.ModuleList / nn.Sequential keys). */
export class ModuleList<M extends Module> extends Module {
  readonly items: M[];
  constructor(items: M[]) {
    super();
    this.items = items.map((m, i) => this.child(String(i), m));
  }
  get length(): number {
    return this.items.length;
  }
}
