// The `zooclip train` command: preset + repeated `--set key=value` overrides, `--resume`, and data
// parallel: `--nproc N` starts N local ranks (launchLocal), and a process started with torchrun's
// variables (WORLD_SIZE > 1: torchrun, Slurm wrappers, launchLocal) trains as one rank of the job.
import { resolveConfig, type TrainConfig } from './config.js';
import { resumeTarget } from '../../training/checkpoint.js';
import { readState } from './state.js';
import type { TrainHooks } from './run.js';

/** Every `--set` value of an argument list (`--set a=1`, `--set=a=1`), in order. */
export function collectSets(argv: readonly string[]): string[] {
  const sets: string[] = [];
  argv.forEach((a, i) => {
    if (a === '--set' && argv[i + 1] !== undefined) sets.push(argv[i + 1]!);
    else if (a.startsWith('--set=')) sets.push(a.slice('--set='.length));
  });
  return sets;
}

/** An argument list without `--nproc N` / `--nproc=N` (what each rank is started with). */
export function withoutNproc(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--nproc') i++;
    else if (!argv[i]!.startsWith('--nproc=')) out.push(argv[i]!);
  }
  return out;
}

/**
 * Help of `zooclip train --resume` (src/cli/main.ts shows the train options): the rule of
 * resumeTarget (src/training/checkpoint.ts) for where a resumed run writes.
 */
export const RESUME_HELP = "continue from a checkpoint folder, or 'latest' (the newest under run.out/checkpoints). " +
  'A resumed run writes into --set run.out=DIR when given, else into the run the checkpoint sits in ' +
  '(<run>/checkpoints/step-N -> <run>); a checkpoint copied elsewhere needs --set run.out=DIR. ' +
  'The output folder recorded in the checkpoint is never used';

/** The command line's own `run.out`, if a --set gives it (the last one wins, as in resolveConfig). */
function explicitRunOut(sets: readonly string[]): string | undefined {
  const outs = sets.filter((s) => s.trim().startsWith('run.out='));
  return outs.length ? resolveConfig({ sets: outs }).run.out : undefined;
}

/**
 * Runs `zooclip train` with parsed options; `argv` gives every repeated --set. With --resume the
 * checkpoint's config is used (this command's --set on top) and run.out follows RESUME_HELP's
 * rule (resumeTarget), never the run.out recorded in the checkpoint. `cli` is the
 * command line to start ranks with ([script, 'train', ...]; default this process's).
 * @example await trainCommand({ resume: 'runs/a/checkpoints/step-000100' }, ['--set', 'run.steps=400']); // writes into runs/a
 */
export async function trainCommand(o: Record<string, unknown>, argv: readonly string[], cli: readonly string[] = process.argv.slice(1)): Promise<void> {
  const nproc = (o.nproc as number | undefined) ?? 1;
  if (!Number.isInteger(nproc) || nproc < 1) throw new Error(`train: --nproc must be a positive integer, got ${nproc}`);
  const sets = collectSets(argv);
  let resume = o.resume as string | undefined;
  let cfg: TrainConfig;
  if (resume) {
    // The checkpoint's config wins (so the run continues as it was), with this command's --set on
    // top, except for where it writes: a copied checkpoint must not write into the run it came from.
    // The --set apply to the checkpoint's config only (e.g. run.steps beyond the preset's warmup).
    const out = resolveConfig({ preset: o.preset as string }).run.out;
    const target = resumeTarget(resume, { out, explicitOut: explicitRunOut(sets), flag: '--set run.out=DIR' });
    cfg = resolveConfig({ base: readState(target.checkpoint).config, sets });
    cfg = { ...cfg, run: { ...cfg.run, out: target.out } };
    resume = target.checkpoint;
  } else {
    cfg = resolveConfig({ preset: o.preset as string, sets });
  }
  if (o['print-config']) { console.log(JSON.stringify(cfg, null, 2)); return; }
  if (nproc > 1 && !(Number(process.env.WORLD_SIZE) > 1)) return launchRanks(nproc, cfg, cli);
  if (Number(process.env.WORLD_SIZE) > 1) return trainRank(cfg, resume);
  const { runTrain } = await import('./run.js');
  await runTrain(cfg, { resume });
}

/** Starts `nproc` ranks on loopback; any rank failing stops them all, with an error naming it. */
async function launchRanks(nproc: number, cfg: TrainConfig, cli: readonly string[]): Promise<void> {
  if (cfg.data.batch % (cfg.data.accum * nproc) !== 0) {
    throw new Error(`train: data.batch ${cfg.data.batch} must be divisible by data.accum ${cfg.data.accum} x --nproc ${nproc}`);
  }
  const { launchLocal } = await import('../../dist/launch.js');
  const { availableParallelism } = await import('node:os');
  const env: NodeJS.ProcessEnv = {};
  // Without run.threads or ZOOCLIP_NUM_THREADS every rank would take all the cores.
  if (!cfg.run.threads && !process.env.ZOOCLIP_NUM_THREADS) env.ZOOCLIP_NUM_THREADS = String(Math.max(1, Math.floor(availableParallelism() / nproc)));
  const [script, ...args] = cli;
  const r = await launchLocal(nproc, script!, withoutNproc(args), { env, write: (line, rank, stream) => {
    // Rank 0 speaks for the job; the others' lines go to stderr, prefixed.
    if (rank === 0 && stream === 'stdout') console.log(line);
    else process.stderr.write(`[rank ${rank}] ${line}\n`);
  } });
  if (!r.ok) throw new Error(`train with ${nproc} processes failed: ${r.message}`);
}

/** One rank of a data-parallel job: joins the process group, trains its share, leaves. */
async function trainRank(cfg: TrainConfig, resume: string | undefined): Promise<void> {
  const { initDistributed, destroyDistributed, distributed } = await import('../../dist/distributed.js');
  const { tensor } = await import('../../engine/index.js');
  const { runTrain } = await import('./run.js');
  const dist = initDistributed();
  const { rank, worldSize } = dist;
  const hooks: TrainHooks = {
    initModel: (model) => distributed.broadcastParameters(model),
    gradSync: (params) => distributed.allReduceGrads(params),
    gatherFeatures: (image, text) => ({ image: distributed.allGatherWithGrad(image), text: distributed.allGatherWithGrad(text), rank }),
    sumOverRanks: (values) => {
      const t = tensor(values, { dtype: 'float64' });
      try {
        distributed.allReduce(t, 'sum');
        return t.toArray() as number[];
      } finally {
        t.dispose();
      }
    },
    trained: () => distributed.barrier(),
  };
  try {
    await runTrain(cfg, { resume, hooks, share: { rank, worldSize } });
  } catch (e) {
    throw new Error(`rank ${rank} of ${worldSize}: ${(e as Error).message}`);
  } finally {
    destroyDistributed();
  }
}
