// Plugin loading: a model spec on the command line becomes a Captioner or an Expert. Each kind's
// module is imported only when its spec is used, so one plugin's dependencies (onnxruntime, tfjs)
// never stop another from loading.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TemplateCaptioner } from './captioner_template.js';
import type { Captioner, Expert, DenseTaskName } from './types.js';
import { DENSE_TASK_NAMES, isTaskName } from '../tasks/names.js';

/** Where plugins run. */
export interface LoadOptions {
  /** 'cpu' or 'cuda:N' for zooclip models (default: the model's own choice). */
  device?: string;
}


/** Imports a plugin module on demand, naming the spec when its dependencies are missing. */
async function plugin<T>(load: () => Promise<T>, what: string): Promise<T> {
  try {
    return await load();
  } catch (e) {
    throw new Error(`${what}: could not load its plugin module (${(e as Error).message})`);
  }
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/**
 * Splits `template:seg=<spec>,det=<spec>` into its expert specs (values may hold '=', not ',').
 * @example templateParts('template:seg=runs/seg,det=human') // { seg: 'runs/seg', det: 'human' }
 */
export function templateParts(spec: string): Partial<Record<DenseTaskName, string>> {
  const body = spec.slice('template:'.length);
  const out: Partial<Record<DenseTaskName, string>> = {};
  for (const part of body.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const task = part.slice(0, eq) as DenseTaskName;
    if (eq <= 0 || !['seg', 'det'].includes(task)) throw new Error(`captioner '${spec}': '${part}' is not seg=<expert> or det=<expert>`);
    out[task] = part.slice(eq + 1);
  }
  if (!out.det) throw new Error(`captioner '${spec}': the template captioner needs det=<expert> (objects come from boxes; seg=<expert> adds colours)`);
  return out;
}

/**
 * Loads a captioner from a spec: a folder with `captioner.json` (a zooclip captioner), a `*.json`
 * ONNX spec, or `template:seg=<expert>,det=<expert>` (the grounded template captioner over two
 * experts, each spec as {@link loadExpert} takes it).
 * @example const c = await loadCaptioner('runs/captioner', { device: 'cuda:0' });
 */
export async function loadCaptioner(spec: string, o: LoadOptions = {}): Promise<Captioner> {
  if (spec.startsWith('template:')) {
    const parts = templateParts(spec);
    const det = await loadExpert('det', parts.det!, o);
    try {
      const seg = parts.seg ? await loadExpert('seg', parts.seg, o) : undefined;
      return new TemplateCaptioner({ det, seg, own: true });
    } catch (e) {
      det.dispose();
      throw e;
    }
  }
  if (isDir(spec)) {
    if (!existsSync(join(spec, 'captioner.json'))) throw new Error(`captioner ${spec}: the folder has no captioner.json`);
    const { loadZooclipCaptioner } = await plugin(() => import('./captioner_zooclip.js'), `captioner ${spec}`);
    return loadZooclipCaptioner(spec, o.device);
  }
  if (spec.endsWith('.json')) {
    if (!existsSync(spec)) throw new Error(`captioner ${spec}: no such ONNX spec file`);
    const { loadOnnxCaptioner } = await plugin(() => import('./captioner_onnx.js'), `captioner ${spec}`);
    return loadOnnxCaptioner(spec);
  }
  throw new Error(`captioner '${spec}': not a folder with captioner.json, an ONNX spec (*.json) or template:seg=<expert>,det=<expert>`);
}

/**
 * Loads an expert for `task` from a spec: a folder with `expert.json` (a zooclip expert), a
 * `*.json` ONNX spec, or `human` (the COCO detector shipped in @vladmandic/human; det only).
 * The loaded expert must serve `task`.
 * @example const seg = await loadExpert('seg', 'runs/expert-seg');
 */
export async function loadExpert(task: DenseTaskName, spec: string, o: LoadOptions = {}): Promise<Expert> {
  if (!isTaskName(task)) throw new Error(`expert task '${task}' is not one of ${DENSE_TASK_NAMES.join(', ')}`);
  let expert: Expert;
  if (spec === 'human') {
    if (task !== 'det') throw new Error(`expert ${task}=human: the human detector only serves det`);
    const { loadHumanDetector } = await plugin(() => import('./expert_human.js'), `expert ${task}=${spec}`);
    expert = await loadHumanDetector();
  } else if (isDir(spec)) {
    if (!existsSync(join(spec, 'expert.json'))) throw new Error(`expert ${task}=${spec}: the folder has no expert.json`);
    const { loadZooclipExpert } = await plugin(() => import('./expert_zooclip.js'), `expert ${task}=${spec}`);
    expert = loadZooclipExpert(spec, o.device);
  } else if (spec.endsWith('.json')) {
    if (!existsSync(spec)) throw new Error(`expert ${task}=${spec}: no such ONNX spec file`);
    const { loadOnnxExpert } = await plugin(() => import('./expert_onnx.js'), `expert ${task}=${spec}`);
    expert = await loadOnnxExpert(spec);
  } else {
    throw new Error(`expert ${task}=${spec}: not a folder with expert.json, an ONNX spec (*.json) or 'human'`);
  }
  if (expert.task !== task) {
    expert.dispose();
    throw new Error(`expert ${task}=${spec}: the model serves '${expert.task}', not '${task}'`);
  }
  return expert;
}
