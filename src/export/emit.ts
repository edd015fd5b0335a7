// Emitting ONNX from the module tree: each module kind has an emitter (registered by class) that
// appends its own nodes to the graph; a parent emits its children by name, so a model graph is the
// walk over the same tree that runs the libtorch forward, and initializers carry the state-dict keys.
import type { Tensor } from '../engine/index.js';
import type { Module } from '../nn/module.js';
import { type OnnxGraph, tensorDataOf } from '../io/onnx/index.js';

/** What the emitters of one graph share. */
export interface EmitContext {
  readonly g: OnnxGraph;
  /** An additive attention mask [L, L] that attention layers add to their scores (the text tower's causal mask). */
  readonly mask?: string;
}

/** Emits module `m` (state-dict prefix `path`) on input value `x` and returns its output value. */
export type Emitter<M extends Module> = (e: EmitContext, m: M, path: string, x: string) => string;

type AnyClass = abstract new (...args: never[]) => Module;
const EMITTERS = new Map<AnyClass, Emitter<Module>>();

/**
 * Registers the emitter of a module class (subclasses without their own use it too).
 * @example registerEmitter(LayerScale, (e, m, path, x) => e.g.node('Mul', [x, param(e, m, path, 'gamma')]));
 */
export function registerEmitter<M extends Module>(cls: abstract new (...args: never[]) => M, emit: Emitter<M>): void {
  EMITTERS.set(cls, emit as Emitter<Module>);
}

function emitterFor(m: Module): Emitter<Module> | undefined {
  for (let p = Object.getPrototypeOf(m) as { constructor: AnyClass } | null; p; p = Object.getPrototypeOf(p) as typeof p) {
    const found = EMITTERS.get(p.constructor);
    if (found) return found;
  }
  return undefined;
}

/**
 * `path.name`, or `name` at the root.
 * @example keyOf('visual', 'proj') // 'visual.proj'; keyOf('', 'logit_scale') // 'logit_scale'
 */
export function keyOf(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/**
 * Emits a module with its registered emitter; a module kind without one is an error naming it and its path.
 * @example const y = emitModule(e, model.visual, 'visual', pixels);
 */
export function emitModule(e: EmitContext, m: Module, path: string, x: string): string {
  const emit = emitterFor(m);
  if (!emit) {
    const known = [...EMITTERS.keys()].map((c) => c.name).join(', ');
    throw new Error(`ONNX export: no emitter for ${m.constructor.name} at '${path || '(root)'}' (modules with one: ${known})`);
  }
  return emit(e, m, path, x);
}

/**
 * Emits the child registered under `name` in `parent` (its key prefix is `path.name`).
 * @example const h = emitChild(e, block, path, 'ln_1', x);
 */
export function emitChild(e: EmitContext, parent: Module, path: string, name: string, x: string): string {
  return emitModule(e, childOf(parent, path, name), keyOf(path, name), x);
}

/**
 * The child module registered under `name` (an error naming the path when there is none).
 * @example const attn = childOf(block, 'transformer.resblocks.0', 'attn');
 */
export function childOf(parent: Module, path: string, name: string): Module {
  const found = parent.namedChildren().find(([n]) => n === name);
  if (!found) throw new Error(`ONNX export: ${parent.constructor.name} at '${path || '(root)'}' has no child '${name}'`);
  return found[1];
}

/**
 * The module's own parameter or buffer `name` as an initializer named by its state-dict key
 * (added once; later uses share it).
 * @example const w = param(e, linear, 'visual.proj', 'weight'); // initializer 'visual.proj.weight'
 */
export function param(e: EmitContext, m: Module, path: string, name: string): string {
  const key = keyOf(path, name);
  if (e.g.has(key)) return key;
  const own = (list: Iterable<[string, Tensor]>) => [...list].find(([n]) => n === name)?.[1];
  const t = own(m.namedParameters()) ?? own(m.namedBuffers());
  if (!t) throw new Error(`ONNX export: ${m.constructor.name} at '${path || '(root)'}' has no parameter '${name}'`);
  return e.g.initializer(key, tensorDataOf(t));
}
