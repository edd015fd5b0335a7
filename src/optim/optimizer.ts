// Shared optimizer machinery: groups with handle arrays prepared once, state tensors per
// parameter, exact save/restore. Subclasses only say which state they keep and call the kernel.
import { native } from '../engine/native.js';
import { zerosLike } from '../engine/creation.js';
import { keep } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';
import { noGrad } from '../engine/autograd.js';
import { loadProblems, type FiniteOptions } from '../nn/load_check.js';

export interface GroupInput<H> { params: Tensor[]; names?: string[]; hyper?: Partial<H> }

export interface OptimGroup<H> {
  params: Tensor[];
  names: string[];
  hyper: H;
  step: number;
  /** Parameter handles, prepared once so a step does no per-parameter JS work. */
  ids: number[];
  /** State tensors by kind (exp_avg, ...), one per parameter, and their handles. */
  state: Record<string, Tensor[]>;
  stateIds: Record<string, number[]>;
}

/** What stateDict() returns: tensors for a safetensors file and JSON-able scalars. */
export interface OptimStateDict { tensors: Map<string, Tensor>; meta: { steps: number[]; hyper: unknown[] } }

/**
 * Parameter groups with per-group hyperparameters, a step counter per group, and a state dict
 * that checkpoints save (subclasses implement the update, e.g. AdamW, SGD).
 * @example opt.setLr(1e-3); opt.step(); opt.zeroGrad(); const { tensors, meta } = opt.stateDict();
 */
export abstract class Optimizer<H> {
  readonly groups: OptimGroup<H>[];

  protected constructor(input: Tensor[] | GroupInput<H>[], defaults: H, stateKinds: string[]) {
    const list: GroupInput<H>[] = input.length > 0 && (input[0] as GroupInput<H>).params !== undefined
      ? (input as GroupInput<H>[]) : [{ params: input as Tensor[] }];
    this.groups = list.map((g, gi) => {
      const state: Record<string, Tensor[]> = {};
      const stateIds: Record<string, number[]> = {};
      for (const k of stateKinds) {
        state[k] = noGrad(() => g.params.map((p) => keep(zerosLike(p))));
        stateIds[k] = state[k].map((s) => s.id);
      }
      const names = g.names ?? g.params.map((_, i) => `g${gi}.p${i}`);
      return { params: g.params, names, hyper: { ...defaults, ...(g.hyper ?? {}) }, step: 0, ids: g.params.map((p) => p.id), state, stateIds };
    });
  }

  /** Applies one update to every group. */
  abstract step(): void;

  /** Drops all gradients (set to none). */
  zeroGrad(): void {
    for (const g of this.groups) native.zeroGrad(g.ids);
  }

  /** Sets the learning rate of every group (schedulers call this each step). */
  setLr(lr: number): void {
    for (const g of this.groups) (g.hyper as { lr: number }).lr = lr;
  }

  stateDict(): OptimStateDict {
    const tensors = new Map<string, Tensor>();
    this.groups.forEach((g, gi) => {
      for (const [kind, list] of Object.entries(g.state)) list.forEach((t, pi) => tensors.set(`${gi}.${pi}.${kind}`, t));
    });
    return { tensors, meta: { steps: this.groups.map((g) => g.step), hyper: this.groups.map((g) => g.hyper) } };
  }

  /**
   * Restores state saved by stateDict() (copies into the existing state tensors). Every tensor must
   * be present with the state's shape and dtype (or a lossless cast, see LOSSLESS_CASTS) and, unless
   * `allowNonFinite`, hold no NaN/Inf; errors name the state key and its parameter, and nothing is
   * changed when any check fails.
   * @example opt.loadStateDict({ tensors: st.tensors, meta: JSON.parse(st.metadata.optimizer!) });
   */
  loadStateDict(sd: OptimStateDict, o: FiniteOptions = {}): void {
    if (sd.meta.steps.length !== this.groups.length) {
      throw new Error(`optimizer state has ${sd.meta.steps.length} groups, this optimizer ${this.groups.length}`);
    }
    const pairs: [string, Tensor, Tensor][] = [];
    this.groups.forEach((g, gi) => {
      for (const [kind, list] of Object.entries(g.state)) {
        list.forEach((t, pi) => {
          const key = `${gi}.${pi}.${kind}`;
          const src = sd.tensors.get(key);
          if (!src) throw new Error(`optimizer state is missing '${key}' (${g.names[pi]})`);
          if (src.shape.join() !== t.shape.join()) throw new Error(`optimizer state '${key}' has shape [${src.shape}] but ${g.names[pi]} is [${t.shape}]`);
          pairs.push([`'${key}' (${g.names[pi]})`, src, t]);
        });
      }
    });
    const problems = loadProblems(pairs, o);
    if (problems.length) throw new Error(`optimizer state: ${problems.join('; ')}`);
    noGrad(() => {
      this.groups.forEach((g, gi) => {
        g.step = sd.meta.steps[gi] as number;
        g.hyper = { ...g.hyper, ...(sd.meta.hyper[gi] as object) };
      });
      for (const [, src, t] of pairs) t.copy_(src);
    });
  }

  dispose(): void {
    for (const g of this.groups) for (const list of Object.values(g.state)) for (const t of list) t.dispose();
  }
}
