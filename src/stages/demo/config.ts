// The demo's typed configuration: the world, the zoo (captioner + experts), the pretraining
// variants and the evaluation, with presets (micro for CI, quick for the README, full for a long
// run) and strict dotted overrides.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dottedLayer, mergeStrict, type JsonObject } from '../../config/strict.js';
import { readJsonFile } from '../../config/json_file.js';
import { DENSE_TASK_NAMES, isTaskName } from '../../tasks/names.js';

/** The pretraining variants of the papers' comparison. */
export const VARIANTS = ['A', 'B', 'C', 'D', 'E', 'F', 'S', 'M', 'N'] as const;
export type Variant = (typeof VARIANTS)[number];
export const VARIANT_NAMES: Record<Variant, string> = {
  A: 'web captions',
  B: 'quality captions (captioner, DataCompDR-style)',
  C: 'quality captions + pseudo-label heads (CLIPTeX)',
  D: 'quality captions + ground-truth heads (reference)',
  E: 'random init (no pretraining)',
  F: 'MAE (masked image modelling on the web images)',
  S: 'supervised (scene labels of the web images)',
  M: 'MCi tower, quality captions',
  N: 'MCi tower, random init',
};

/** Variants whose tower is not trained (evaluated at their random init). */
export const UNTRAINED: readonly Variant[] = ['E', 'N'];
/** Variants without a trained text tower (no zero-shot or retrieval). */
export const IMAGE_ONLY: readonly Variant[] = ['E', 'F', 'S', 'N'];
/** Variants on the mobile (MCi) tower. */
export const MOBILE: readonly Variant[] = ['M', 'N'];

export interface DemoConfig {
  /** Output folder: world/, zoo/, pretrain/, eval/, report.html, demo.json; a rerun resumes. */
  out: string;
  seed: number;
  /** 'cpu', 'cuda:N', or '' for cuda:0 when present, else cpu. */
  device: string;
  world: { size: number; zoo: number; web: number; probeTrain: number; probeTest: number; classify: number; noise: number };
  captioner: { model: string; steps: number; batch: number; lr: number };
  experts: { model: string; steps: number; batch: number; lr: number };
  /** Captioning the web split: n captions per image by strategy (sample: top-p at temperature; beam: the n best of max(n, 4) beams; greedy: one caption, repeated). */
  caption: { n: number; strategy: 'sample' | 'beam' | 'greedy'; topP: number; temperature: number; batch: number };
  /** Confidence thresholds of the hard pseudo-labels: seg max-softmax (0 keeps all) and det box score (CenterNet's usual 0.3). */
  label: { segThreshold: number; detThreshold: number };
  pretrain: {
    /** CLIP model config (built-in name or JSON path); the train preset supplies the optimiser defaults. */
    model: string;
    /** The mobile pair's (M, N) CLIP config: an MCi image tower sized for the world. */
    mobileModel: string;
    preset: string;
    steps: number;
    batch: number;
    lr: number;
    warmup: number;
    /** Pretraining seeds: each variant is trained once per seed (the spread in the report). */
    seeds: number[];
    variants: string[];
    /** B-D: multi (real + synthetic caption losses summed, DataCompDR) or synthetic (synthetic only). */
    captions: string;
    /** Weight of each pseudo-task head loss in C and D. */
    headWeight: number;
  };
  eval: {
    tasks: string[];
    /** Shares of probe-train labels the probes train on (the data-efficiency curve). */
    fractions: number[];
    /** Probe seeds (head init and sample order), per pretrained model. */
    probeSeeds: number[];
    probeSteps: number;
    probeBatch: number;
    probeLr: number;
    segHead: string;
    zeroShot: boolean;
    retrieval: boolean;
    /** The first paper's protocol: encoder and dense head trained together, at label fractions and seeds. */
    finetune: { tasks: string[]; fractions: number[]; seeds: number[]; steps: number; batch: number; lr: number; towerLrScale: number; layerDecay: number };
  };
}

export const DEFAULT_DEMO: DemoConfig = {
  out: 'runs/demo', seed: 0, device: '',
  world: { size: 64, zoo: 1000, web: 4000, probeTrain: 600, probeTest: 200, classify: 400, noise: 0.5 },
  captioner: { model: 'captioner-tiny', steps: 300, batch: 32, lr: 1e-3 },
  experts: { model: 'zooclip-tiny', steps: 200, batch: 32, lr: 1e-3 },
  caption: { n: 5, strategy: 'sample', topP: 0.9, temperature: 1, batch: 64 },
  label: { segThreshold: 0, detThreshold: 0.3 },
  pretrain: { model: 'zooclip-tiny', mobileModel: 'zooclip-mci-tiny', preset: 'tiny-synth', steps: 150, batch: 64, lr: 1e-3, warmup: 15, seeds: [0], variants: [...VARIANTS], captions: 'multi', headWeight: 1 },
  eval: { tasks: [...DENSE_TASK_NAMES], fractions: [0.01, 0.1, 1], probeSeeds: [0, 1], probeSteps: 150, probeBatch: 32, probeLr: 3e-3, segHead: 'linear', zeroShot: true, retrieval: true,
    finetune: { tasks: ['seg', 'depth'], fractions: [0.01, 0.1, 1], seeds: [0, 1], steps: 100, batch: 16, lr: 3e-3, towerLrScale: 0.1, layerDecay: 0.75 } },
};

/** The folder of the bundled demo presets (also from dist/). */
function presetDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const fromDist = join(here, '..', '..', '..', '..', 'src', 'stages', 'demo', 'presets');
  return existsSync(fromDist) ? fromDist : join(here, 'presets');
}

function check(c: DemoConfig): DemoConfig {
  const bad = (k: string, why: string): never => { throw new Error(`demo config: ${k} ${why}`); };
  for (const v of c.pretrain.variants) if (!(VARIANTS as readonly string[]).includes(v)) bad('pretrain.variants', `has '${v}' (known: ${VARIANTS.join(', ')})`);
  for (const t of c.eval.tasks) if (!isTaskName(t)) bad('eval.tasks', `has '${t}' (known: ${DENSE_TASK_NAMES.join(', ')})`);
  for (const t of c.eval.finetune.tasks) if (!isTaskName(t)) bad('eval.finetune.tasks', `has '${t}' (known: ${DENSE_TASK_NAMES.join(', ')})`);
  for (const [k, fs] of [['eval.fractions', c.eval.fractions], ['eval.finetune.fractions', c.eval.finetune.fractions]] as const) {
    for (const f of fs) if (!(f > 0 && f <= 1)) bad(k, `must be in (0, 1], got ${f}`);
  }
  const ld = c.eval.finetune.layerDecay;
  if (!(ld > 0 && ld <= 1)) bad('eval.finetune.layerDecay', `must be in (0, 1], got ${ld}`);
  if (!['multi', 'synthetic'].includes(c.pretrain.captions)) bad('pretrain.captions', `must be multi or synthetic, got '${c.pretrain.captions}'`);
  if (!['sample', 'beam', 'greedy'].includes(c.caption.strategy)) bad('caption.strategy', `must be sample, beam or greedy, got '${c.caption.strategy}'`);
  if (!['linear', 'psp'].includes(c.eval.segHead)) bad('eval.segHead', `must be linear or psp, got '${c.eval.segHead}'`);
  if (!c.pretrain.seeds.length || !c.eval.probeSeeds.length) bad('seeds', 'need at least one pretraining and one probe seed');
  for (const [k, v] of Object.entries({ ...c.world, 'pretrain.steps': c.pretrain.steps, 'captioner.steps': c.captioner.steps, 'experts.steps': c.experts.steps })) {
    if (!(Number.isFinite(v) && v >= 0)) bad(k, `must be a number >= 0, got ${v}`);
  }
  if (c.pretrain.warmup >= c.pretrain.steps) bad('pretrain.warmup', `(${c.pretrain.warmup}) must be below pretrain.steps (${c.pretrain.steps})`);
  return c;
}

/**
 * Defaults, then a preset (micro, quick, paper, full or a JSON path), then `key.path=value` overrides.
 * @example resolveDemoConfig('quick', ['out=/tmp/demo', 'pretrain.seeds=[0,1]'])
 */
export function resolveDemoConfig(preset: string, sets: readonly string[] = []): DemoConfig {
  const path = preset.endsWith('.json') ? preset : join(presetDir(), `${preset}.json`);
  if (!existsSync(path)) throw new Error(`demo: no preset '${preset}' (looked for ${path}; bundled: micro, quick, paper, full)`);
  let c = mergeStrict(DEFAULT_DEMO as unknown as JsonObject, readJsonFile(path, 'demo preset'), `preset ${path}`);
  if (sets.length) c = mergeStrict(c, dottedLayer(DEFAULT_DEMO as unknown as JsonObject, sets), '--set');
  return check(c as unknown as DemoConfig);
}
