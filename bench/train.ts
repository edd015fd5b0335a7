// `npm run bench -- train [--steps N] [--warmup N]`: training steps/s of the engine bench's small
// CLIP (batch 64, random inputs) in 1 process (2 threads, and 1), and in 2 processes x 1 thread doing data parallel
// over c10d/Gloo on loopback (32 samples each, features gathered, gradients averaged): same global batch.
import { fileURLToPath } from 'node:url';
import { configureRuntime, manualSeed, randint, randn, setNumThreads, tidy, keep } from '../src/engine/index.js';
import { AdamW } from '../src/optim/adamw.js';
import { splitDecay } from '../src/optim/param_groups.js';
import { clipLoss } from '../src/losses/contrastive.js';
import { distributed, initDistributed, destroyDistributed, launchLocal } from '../src/distributed/index.js';
import { SMALL_BATCH, smallClip } from './small_clip.js';

const SELF = fileURLToPath(import.meta.url);

function opt(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

/** Times `steps` data-parallel steps of this rank (a world of 1 without torchrun variables); images/s of the global batch. */
function timeRank(steps: number, warmup: number): number {
  const world = distributed.worldSize(), rank = distributed.rank(), local = SMALL_BATCH / world;
  manualSeed(0);
  const model = smallClip();
  distributed.broadcastParameters(model);
  model.train();
  const params = model.parameters();
  const [decay, noDecay] = splitDecay(model.namedParameters());
  const opt = new AdamW([{ params: decay.map(([, p]) => p) }, { params: noDecay.map(([, p]) => p), hyper: { weightDecay: 0 } }], { lr: 1e-4, weightDecay: 0.1 });
  manualSeed(1 + rank);
  const { image_size: size } = model.cfg.vision_cfg, { context_length: ctx, vocab_size: vocab } = model.cfg.text_cfg;
  const images = keep(randn([local, 3, size, size])), ids = keep(randint(1, vocab, [local, ctx]));
  const step = (): void => {
    tidy(() => {
      const o = model.forward(images, ids);
      const g = world > 1 ? { image: distributed.allGatherWithGrad(o.imageFeatures), text: distributed.allGatherWithGrad(o.textFeatures), rank } : undefined;
      clipLoss(o.imageFeatures, o.textFeatures, o.logitScale, g).backward();
    });
    distributed.allReduceGrads(params);
    opt.step();
    opt.zeroGrad();
  };
  for (let i = 0; i < warmup; i++) step();
  distributed.barrier();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  distributed.barrier();
  const s = (performance.now() - t0) / 1000;
  opt.dispose();
  images.dispose();
  ids.dispose();
  model.dispose();
  return (steps * SMALL_BATCH) / s;
}

/** Runs `node bench/train.js --rank-worker ...` ranks (2 x 1 thread) and reads rank 0's images/s. */
async function ddp(nproc: number, steps: number, warmup: number): Promise<number> {
  let result = NaN;
  const r = await launchLocal(nproc, SELF, ['--rank-worker', '--steps', String(steps), '--warmup', String(warmup)], {
    env: { ZOOCLIP_NUM_THREADS: '1' }, timeoutMs: 300_000,
    write: (line, rank) => {
      const m = /^RESULT (\S+)$/.exec(line);
      if (m && rank === 0) result = Number(m[1]);
      else if (!m) console.error(`[${rank}] ${line}`);
    },
  });
  if (!r.ok) throw new Error(`bench train: ${r.message}`);
  return result;
}

export async function benchTrain(args: string[]): Promise<void> {
  const steps = opt(args, 'steps', 10), warmup = opt(args, 'warmup', 2);
  // The single process gets the 2 ranks' cores (2 threads); 1 thread is reported beside it.
  const rate: Record<number, number> = {};
  for (const threads of [1, 2]) {
    setNumThreads(threads);
    rate[threads] = timeRank(steps, warmup);
    console.log(`train: small CLIP, global batch ${SMALL_BATCH}, 1 process x ${threads} thread(s): ${rate[threads]!.toFixed(1)} img/s (${(rate[threads]! / SMALL_BATCH).toFixed(2)} steps/s)`);
  }
  const single = rate[2]!;
  const ddp2 = await ddp(2, steps, warmup);
  console.log(`train: 2 processes x 1 thread, ${SMALL_BATCH / 2} each, c10d/Gloo on loopback: ${ddp2.toFixed(1)} img/s (${(ddp2 / SMALL_BATCH).toFixed(2)} steps/s)`);
  console.log(JSON.stringify({ bench: 'train', single_img_s: +single.toFixed(2), ddp2_img_s: +ddp2.toFixed(2), ddp_efficiency: +(ddp2 / single).toFixed(3),
    single_threads: 2, single_1thread_img_s: +rate[1]!.toFixed(2), ddp2_vs_1thread: +(ddp2 / rate[1]!).toFixed(3), steps }));
}

if (process.argv[1] === SELF && process.argv.includes('--rank-worker')) {
  const args = process.argv.slice(2);
  configureRuntime();  // a rank reads its thread count (ZOOCLIP_NUM_THREADS=1) as the CLI would
  initDistributed();
  try {
    console.log(`RESULT ${timeRank(opt(args, 'steps', 10), opt(args, 'warmup', 2))}`);
  } finally {
    destroyDistributed();
  }
}
