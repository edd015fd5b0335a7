// `zooclip train`: preset + repeated `--set key=value` overrides, `--resume`, and data parallel:
// `--nproc N` starts N local ranks (launchLocal), and a process started with torchrun's variables
// (WORLD_SIZE > 1: torchrun, Slurm wrappers, launchLocal) trains as one rank of the job.
import type { Command } from '../command.js';
import { collectSets } from '../command.js';
import { RESUME_HELP } from '../options.js';
import { resolveConfig, type TrainConfig } from '../../stages/train/config.js';
import type { TrainHooks } from '../../stages/train/run.js';

/**
 * An argument list without `--nproc N` / `--nproc=N` (what each rank is started with).
 * @example withoutNproc(['train', '--nproc', '2', '--set', 'a=1']) // ['train', '--set', 'a=1']
 */
export function withoutNproc(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--nproc') i++;
    else if (!argv[i]!.startsWith('--nproc=')) out.push(argv[i]!);
  }
  return out;
}

/** The command line's own `run.out`, if a --set gives it (the last one wins, as in resolveConfig). */
function explicitRunOut(sets: readonly string[]): string | undefined {
  const outs = sets.filter((s) => s.trim().startsWith('run.out='));
  return outs.length ? resolveConfig({ sets: outs }).run.out : undefined;
}

/** The run's config and checkpoint: with --resume the checkpoint's config, this command's --set on top, writing per RESUME_HELP. */
async function trainConfig(o: Record<string, unknown>, sets: readonly string[]): Promise<{ cfg: TrainConfig; resume?: string }> {
  const resume = o.resume as string | undefined;
  if (!resume) return { cfg: resolveConfig({ preset: o.preset as string, sets }) };
  // The checkpoint's config wins (so the run continues as it was), with this command's --set on
  // top, except for where it writes: a copied checkpoint must not write into the run it came from.
  const { resumeTarget } = await import('../../training/checkpoint.js');
  const { readState } = await import('../../stages/train/state.js');
  const out = resolveConfig({ preset: o.preset as string }).run.out;
  const target = resumeTarget(resume, { out, explicitOut: explicitRunOut(sets), flag: '--set run.out=DIR' });
  const cfg = resolveConfig({ base: readState(target.checkpoint).config, sets });
  return { cfg: { ...cfg, run: { ...cfg.run, out: target.out } }, resume: target.checkpoint };
}

/**
 * Runs `zooclip train` with parsed options; `argv` gives every repeated --set. With --resume the
 * checkpoint's config is used (this command's --set on top) and run.out follows RESUME_HELP's
 * rule (resumeTarget), never the run.out recorded in the checkpoint. `cli` is the command line to
 * start ranks with ([script, 'train', ...]; default this process's).
 * @example await trainCommand({ resume: 'runs/a/checkpoints/step-000100' }, ['--set', 'run.steps=400']); // writes into runs/a
 */
export async function trainCommand(o: Record<string, unknown>, argv: readonly string[], cli: readonly string[] = process.argv.slice(1)): Promise<void> {
  const nproc = (o.nproc as number | undefined) ?? 1;
  if (!Number.isInteger(nproc) || nproc < 1) throw new Error(`train: --nproc must be a positive integer, got ${nproc}`);
  const { cfg, resume } = await trainConfig(o, collectSets(argv));
  if (o['print-config']) { console.log(JSON.stringify(cfg, null, 2)); return; }
  if (nproc > 1 && !(Number(process.env.WORLD_SIZE) > 1)) return launchRanks(nproc, cfg, cli);
  if (Number(process.env.WORLD_SIZE) > 1) return trainRank(cfg, resume);
  const { runTrain } = await import('../../stages/train/run.js');
  await runTrain(cfg, { resume });
}

/** Starts `nproc` ranks on loopback; any rank failing stops them all, with an error naming it. */
async function launchRanks(nproc: number, cfg: TrainConfig, cli: readonly string[]): Promise<void> {
  if (cfg.data.batch % (cfg.data.accum * nproc) !== 0) {
    throw new Error(`train: data.batch ${cfg.data.batch} must be divisible by data.accum ${cfg.data.accum} x --nproc ${nproc}`);
  }
  const { launchLocal } = await import('../../distributed/launch.js');
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

/** The data-parallel hooks of runTrain over an initialised process group. */
async function rankHooks(rank: number): Promise<TrainHooks> {
  const { distributed } = await import('../../distributed/distributed.js');
  const { tensor } = await import('../../engine/index.js');
  return {
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
}

/** One rank of a data-parallel job: joins the process group, trains its share, leaves. */
async function trainRank(cfg: TrainConfig, resume: string | undefined): Promise<void> {
  const { initDistributed, destroyDistributed } = await import('../../distributed/distributed.js');
  const { runTrain } = await import('../../stages/train/run.js');
  const { rank, worldSize } = initDistributed();
  try {
    await runTrain(cfg, { resume, hooks: await rankHooks(rank), share: { rank, worldSize } });
  } catch (e) {
    throw new Error(`rank ${rank} of ${worldSize}: ${(e as Error).message}`);
  } finally {
    destroyDistributed();
  }
}

export const train: Command = {
  help: 'train CLIP on shards (preset + --set key=value overrides), checkpoints, resume, zero-shot eval at the end',
  spec: {
    preset: { type: 'string', default: 'tiny-synth', help: 'preset name (src/stages/train/presets) or a JSON file' },
    set: { type: 'string', help: 'override a config key, repeatable: --set optim.lr=1e-3 --set data.captions=synthetic' },
    resume: { type: 'string', help: RESUME_HELP },
    'print-config': { type: 'boolean', default: false, help: 'print the resolved config and exit' },
    nproc: { type: 'number', default: 1, help: 'data parallel: local processes (data.batch is split across them); torchrun variables also work' },
  },
  run: (o, argv) => trainCommand(o, argv),
};
