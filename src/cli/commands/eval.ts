// `zooclip eval`: its options and their translation into runEval's settings.
import type { OptionSpec } from '../args.js';
import type { Command } from '../command.js';
import { DATA_OPTIONS } from '../options.js';
import type { CaptionSet } from '../../eval/retrieval.js';
import type { EvalOptions } from '../../eval/run.js';
import { DENSE_TASK_NAMES } from '../../tasks/names.js';

/** Options of `zooclip eval`. */
const EVAL_SPEC: Record<string, OptionSpec> = {
  model: { type: 'string', help: 'a training checkpoint folder, a run folder (its newest checkpoint), an open_clip folder, or a model config name/JSON (random init)' },
  data: { type: 'string', help: 'a synthetic world folder (zooclip synth --out), or shards: a folder of .tar, a .tar, or a brace spec' },
  tasks: { type: 'string', default: 'zeroshot,retrieval', help: 'comma-separated tasks' },
  out: { type: 'string', default: 'runs/eval', help: 'output folder: eval.json and report.html' },
  device: { type: 'string', help: 'cpu or cuda:N (default: cuda:0 when present)' },
  batch: { type: 'number', default: 64, help: 'images (and texts) per batch' },
  workers: { type: 'number', default: 2, help: 'decode worker threads' },
  threads: { type: 'number', default: 0, help: 'intra-op threads (0 = libtorch default)' },
  'no-ema': { type: 'boolean', default: false, help: "use a checkpoint's raw weights even when it saved EMA weights" },
  seed: { type: 'number', default: 0, help: 'seed of a random-init model and of probe training' },
  classes: { type: 'string', help: 'zero-shot classes file: {"classes": [...], "templates": ["a photo of a {}."]} or {"tasks": {...}}' },
  'label-field': { type: 'string', help: 'zero-shot: shard field with the label (class index or name; json:key for a key of the json field; default cls)' },
  split: { type: 'string', help: 'world split to evaluate on (zero-shot with --classes: classify; retrieval: the first of probe-test, classify, probe-train, zoo, web)' },
  captions: { type: 'string', default: 'txt', help: 'retrieval captions: txt, syn (every syn.json caption) or all (both; any caption retrieves its image)' },
  'probe-mode': { type: 'string', default: 'probe', help: `dense tasks (${DENSE_TASK_NAMES.join(', ')}): probe (frozen encoder) or finetune (encoder trained at 0.1x lr)` },
  'seg-head': { type: 'string', default: 'linear', help: 'segmentation probe head: linear or psp' },
  fractions: { type: 'string', default: '1', help: 'dense probes: shares of probe-train labels, comma-separated (the data-efficiency curve), e.g. 0.01,0.1,1' },
  'probe-seeds': { type: 'number', default: 1, help: 'dense probes: seeds per fraction (mean and spread)' },
  'probe-steps': { type: 'number', default: 300, help: 'dense probes: optimizer steps per probe' },
  ...DATA_OPTIONS,
};

const CAPTION_SETS: readonly string[] = ['txt', 'syn', 'all'];

/**
 * runEval's settings from parsed `zooclip eval` options; errors name the option.
 * @example evalOptions({ model: 'runs/train', data: 'data/synth', tasks: 'zeroshot', out: 'runs/eval', batch: 64, workers: 2, seed: 0, captions: 'txt' })
 */
export function evalOptions(o: Record<string, unknown>): EvalOptions {
  if (typeof o.model !== 'string' || !o.model) throw new Error('eval: --model is required (a checkpoint, run folder, open_clip folder or config name)');
  if (typeof o.data !== 'string' || !o.data) throw new Error('eval: --data is required (a synthetic world folder or shards)');
  const captions = String(o.captions ?? 'txt');
  if (!CAPTION_SETS.includes(captions)) throw new Error(`eval: --captions must be one of ${CAPTION_SETS.join(', ')}, got '${captions}'`);
  for (const k of ['batch', 'workers', 'threads', 'seed']) {
    const v = o[k] as number | undefined;
    if (v !== undefined && !(Number.isInteger(v) && v >= (k === 'batch' ? 1 : 0))) throw new Error(`eval: --${k} must be a whole number${k === 'batch' ? ' >= 1' : ' >= 0'}, got ${v}`);
  }
  const mode = String(o['probe-mode'] ?? 'probe'), segHead = String(o['seg-head'] ?? 'linear');
  if (mode !== 'probe' && mode !== 'finetune') throw new Error(`eval: --probe-mode must be probe or finetune, got '${mode}'`);
  if (segHead !== 'linear' && segHead !== 'psp') throw new Error(`eval: --seg-head must be linear or psp, got '${segHead}'`);
  const fractions = String(o.fractions ?? '1').split(',').map(Number);
  if (fractions.some((f) => !(f > 0 && f <= 1))) throw new Error(`eval: --fractions must be numbers in (0, 1], got '${o.fractions as string}'`);
  const seeds = (o['probe-seeds'] as number | undefined) ?? 1, steps = (o['probe-steps'] as number | undefined) ?? 300;
  if (!(Number.isInteger(seeds) && seeds >= 1)) throw new Error(`eval: --probe-seeds must be a whole number >= 1, got ${seeds}`);
  if (!(Number.isInteger(steps) && steps >= 1)) throw new Error(`eval: --probe-steps must be a whole number >= 1, got ${steps}`);
  const probe = { mode: mode as 'probe' | 'finetune', segHead: segHead as 'linear' | 'psp', fractions, seeds: Array.from({ length: seeds }, (_, i) => i), steps };
  return {
    probe,
    model: o.model, data: o.data, tasks: String(o.tasks ?? 'zeroshot,retrieval').split(',').map((t) => t.trim()).filter(Boolean), out: String(o.out ?? 'runs/eval'),
    device: o.device as string | undefined, batch: (o.batch as number | undefined) ?? 64, workers: (o.workers as number | undefined) ?? 2,
    threads: (o.threads as number | undefined) ?? 0, ema: !o['no-ema'], seed: (o.seed as number | undefined) ?? 0,
    classes: o.classes as string | undefined, labelField: o['label-field'] as string | undefined, split: o.split as string | undefined, captions: captions as CaptionSet,
    maxSkipRate: o['max-skip-rate'] as number | undefined, maxPixels: o['max-pixels'] as number | undefined,
  };
}

export const evalCmd: Command = {
  help: 'evaluate a checkpoint, run, open_clip folder or random init: zero-shot, retrieval (and dense probes); writes eval.json and report.html',
  spec: EVAL_SPEC,
  run: async (o) => {
    const opts = evalOptions(o);
    const { runEval } = await import('../../eval/run.js');
    await runEval(opts);
  },
};
