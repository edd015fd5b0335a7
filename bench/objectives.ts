// `npm run bench -- objectives [--steps N] [--warmup N] [--threads 2,1]`: one training step of each
// baseline objective on the zooclip-quick tower (batch 64, 64 px, random inputs), zooclip against the
// same architecture in PyTorch eager (bench/objectives_torch.py) at the same thread count, in the
// same run. mae: mask ratio 0.75 of seeded noise, encoder on the visible patches, the default
// decoder, normalised-pixel MSE on the masked patches. supervised: tower + linear label head,
// BCE per label group (shape/colour/count). Both: backward, AdamW. Ratio = zooclip / PyTorch ms.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keep, manualSeed, rand, randn, setNumThreads, synchronize, tidy, type Tensor } from '../src/engine/index.js';
import { AdamW } from '../src/optim/adamw.js';
import { splitDecay } from '../src/optim/param_groups.js';
import { createModel, type CLIP } from '../src/models/clip.js';
import { buildClassify } from '../src/data/synth/classify.js';
import { DEFAULT_CONFIG, type TrainConfig } from '../src/stages/train/config.js';
import { attachMaeDecoderFor, maeMicroLoss, maeTrains } from '../src/stages/train/mae.js';
import { attachLabelHead, supervisedLoss, supervisedTrains } from '../src/stages/train/supervised.js';
import type { SceneVocabulary } from '../src/tasks/index.js';
import { median } from './train_step.js';

const MODEL = 'zooclip-quick', BATCH = 64;
const OBJECTIVES = ['mae', 'supervised'] as const;
type Objective = (typeof OBJECTIVES)[number];

interface Rig { objective: Objective; params: number; step(i: number): void; dispose(): void }

function opt(args: string[], name: string, dflt: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] as string) : dflt;
}

/** The synthetic world's label classes (classify.json as `zooclip synth` writes it), read back by the real attachLabelHead. */
function attachWorldLabelHead(model: CLIP, cfg: TrainConfig): SceneVocabulary {
  const root = mkdtempSync(join(tmpdir(), 'zooclip-bench-'));
  try {
    writeFileSync(join(root, 'classify.json'), JSON.stringify(buildClassify('classify', [])));
    return attachLabelHead(model, { ...cfg, data: { ...cfg.data, root } });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The model with the objective's head, and its step: the run's loss, backward, AdamW over the parameters the objective trains. */
function makeRig(objective: Objective): Rig & { vocab: SceneVocabulary | null } {
  const cfg: TrainConfig = { ...DEFAULT_CONFIG, objective, precision: { autocast: 'fp32' } };
  manualSeed(0);
  const model = createModel(MODEL);
  const vocab = objective === 'supervised' ? attachWorldLabelHead(model, cfg) : null;
  if (objective === 'mae') attachMaeDecoderFor(model, cfg);
  model.train();
  const trains = objective === 'mae' ? maeTrains : supervisedTrains;
  const named = [...model.namedParameters()].filter(([n]) => trains(n));
  const [decay, noDecay] = splitDecay(named);
  const adamw = new AdamW([{ params: decay.map(([, p]) => p) }, { params: noDecay.map(([, p]) => p), hyper: { weightDecay: 0 } }], { lr: 1e-4, weightDecay: 0.1 });
  const size = model.visual.imageSize;
  const images = keep(randn([BATCH, 3, size, size]));
  const targets: Tensor | null = vocab ? keep(rand([BATCH, vocab.size]).lt(0.3).to('float32')) : null;
  const loss = (i: number) => (vocab ? supervisedLoss(model, cfg, vocab, images, targets!, 'cpu') : maeMicroLoss(model, cfg, images, [cfg.run.seed, 0, i, 0], 'cpu'));
  return {
    objective, vocab, params: named.reduce((s, [, p]) => s + p.numel, 0),
    step(i: number): void {
      tidy(() => loss(i).total.backward());
      adamw.step();
      adamw.zeroGrad();
      synchronize();
    },
    dispose(): void {
      adamw.dispose();
      images.dispose();
      targets?.dispose();
      model.dispose();
    },
  };
}

/** Median ms per step of each rig, steps interleaved so machine load hits both objectives alike. */
function timeRigs(rigs: Rig[], steps: number, warmup: number): Record<Objective, number> {
  const ms = rigs.map((): number[] => []);
  for (let i = 0; i < warmup + steps; i++) {
    rigs.forEach((r, k) => {
      const t0 = performance.now();
      r.step(i);
      if (i >= warmup) ms[k]!.push(performance.now() - t0);
    });
  }
  return Object.fromEntries(rigs.map((r, k) => [r.objective, median(ms[k]!)])) as Record<Objective, number>;
}

interface TorchResult { mae_ms: number; supervised_ms: number; mae_params: number; supervised_params: number; torch: string }

/** The PyTorch peer at `threads`, told the model config, the objectives' settings and the label groups. */
function runTorch(threads: number, steps: number, warmup: number, groups: number[]): TorchResult {
  const modelCfg = JSON.parse(readFileSync(join(process.cwd(), 'src', 'models', 'model_configs', `${MODEL}.json`), 'utf8')) as object;
  const spec = { ...modelCfg, batch: BATCH, steps, warmup, threads, mae: DEFAULT_CONFIG.mae, groups };
  const py = process.env.ZOOCLIP_PYTHON ?? '/usr/bin/python3';
  const out = execFileSync(py, [join(process.cwd(), 'bench', 'objectives_torch.py'), JSON.stringify(spec)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as TorchResult;
}

/**
 * Times both objectives' steps at each thread count, zooclip then its PyTorch peer, and prints
 * per-objective ms/step, the ratio zooclip/PyTorch and one JSON line.
 * @example benchObjectives(['--steps', '10', '--threads', '2,1']);  // {"bench":"objectives","mae_ratio_t2":...}
 */
export function benchObjectives(args: string[]): void {
  const steps = Number(opt(args, 'steps', '10')), warmup = Number(opt(args, 'warmup', '2'));
  const threadCounts = opt(args, 'threads', '2,1').split(',').map(Number);
  const result: Record<string, unknown> = { bench: 'objectives', model: MODEL, batch: BATCH, steps };
  for (const threads of threadCounts) {
    setNumThreads(threads);
    const rigs = OBJECTIVES.map(makeRig);
    const groups = rigs.find((r) => r.vocab)!.vocab!.groups.map((g) => g.classes.length);
    const ours = timeRigs(rigs, steps, warmup);
    const theirs = runTorch(threads, steps, warmup, groups);
    console.log(`objectives: ${MODEL}, batch ${BATCH}, ${threads} thread(s), median of ${steps} steps, PyTorch ${theirs.torch} eager`);
    for (const r of rigs) {
      const t = theirs[`${r.objective}_ms`], z = ours[r.objective], p = theirs[`${r.objective}_params`];
      if (p !== r.params) throw new Error(`bench objectives: ${r.objective} trains ${r.params} parameters in zooclip but ${p} in the PyTorch peer; the steps would not do the same work`);
      console.log(`${r.objective}: ${r.params} trained params (both), zooclip ${z.toFixed(1)} ms/step, PyTorch ${t.toFixed(1)} ms/step, ratio ${(z / t).toFixed(3)}`);
      Object.assign(result, { [`${r.objective}_params`]: r.params, [`${r.objective}_ratio_t${threads}`]: +(z / t).toFixed(3),
        [`${r.objective}_zooclip_ms_t${threads}`]: +z.toFixed(1), [`${r.objective}_pytorch_ms_t${threads}`]: +t.toFixed(1) });
      r.dispose();
    }
  }
  console.log(JSON.stringify(result));
}
