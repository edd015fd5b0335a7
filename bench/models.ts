// `npm run bench -- models`: image-tower inference of ViT-B-16 at 224 and MCi0/MCi2 at 256
// (batch 8, random weights, eval, no grad), zooclip against the same architectures in PyTorch
// eager (bench/models_torch.py) in the same run. Ratio = zooclip time / PyTorch time.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDevice, getNumThreads, manualSeed, noGrad, randn, synchronize, tidy } from '../src/engine/index.js';
import { createModel } from '../src/models/clip.js';
import type { ImageTower } from '../src/models/tower.js';
import { median } from './train_step.js';

const BATCH = 8;
// GPU timings at this batch are launch-bound and need more warm-up (cuDNN picks kernels on first use).
const repsFor = (device: string) => (device.startsWith('cuda') ? { warmup: 10, reps: 30 } : { warmup: 2, reps: 5 });

function timeTower(tower: ImageTower, size: number, device: string): number {
  const { warmup, reps } = repsFor(device);
  return noGrad(() => tidy(() => {
    const x = randn([BATCH, 3, size, size], { device });
    const times: number[] = [];
    for (let i = 0; i < reps + warmup; i++) {
      const t0 = performance.now();
      tidy(() => tower.forward(x));
      synchronize();
      if (i >= warmup) times.push(performance.now() - t0);
    }
    return median(times);
  }));
}

const TOWERS: Record<string, { config: string; size: number }> = {
  vit_b16: { config: 'ViT-B-16', size: 224 },
  mci0: { config: 'MobileCLIP-S0', size: 256 },
  mci2: { config: 'MobileCLIP-S2', size: 256 },
};

export function benchModels(args: string[]): void {
  const device = args.includes('--device') ? (args[args.indexOf('--device') + 1] as string) : defaultDevice();
  const names = args.filter((a) => a in TOWERS);
  const which = names.length ? names : Object.keys(TOWERS).filter((n) => n === 'vit_b16' || existsSync(join(process.cwd(), 'bench', 'mci_torch.py')));
  console.log(`models bench: ${device}, batch ${BATCH}, ${getNumThreads()} threads, eval + no grad, median of ${repsFor(device).reps}`);
  const ours: Record<string, number> = {};
  for (const n of which) {
    manualSeed(0);
    const model = createModel(TOWERS[n]!.config);
    model.eval();
    model.visual.reparameterize();
    model.to(device);
    ours[n] = timeTower(model.visual, TOWERS[n]!.size, device);
    model.dispose();
  }
  const py = process.env.ZOOCLIP_PYTHON ?? '/usr/bin/python3';
  const theirs = JSON.parse(execFileSync(py, [join(process.cwd(), 'bench', 'models_torch.py'), ...which], {
    encoding: 'utf8', env: { ...process.env, BENCH_DEVICE: device, ZOOCLIP_NUM_THREADS: String(getNumThreads()), BENCH_BATCH: String(BATCH), BENCH_REPS: String(repsFor(device).reps), BENCH_WARMUP: String(repsFor(device).warmup) },
  }).trim().split('\n').pop()!) as Record<string, number>;
  const result: Record<string, unknown> = { bench: 'models', device };
  for (const n of which) {
    const t = theirs[`${n}_ms`]!, z = ours[n]!;
    console.log(`${n}: zooclip ${z.toFixed(1)} ms/batch (${((BATCH * 1000) / z).toFixed(1)} img/s), PyTorch ${t.toFixed(1)} ms/batch (${((BATCH * 1000) / t).toFixed(1)} img/s), ratio ${(z / t).toFixed(3)}`);
    result[`${n}_ratio`] = +(z / t).toFixed(3);
    result[`${n}_zooclip_img_s`] = +((BATCH * 1000) / z).toFixed(1);
    result[`${n}_pytorch_img_s`] = +((BATCH * 1000) / t).toFixed(1);
  }
  console.log(JSON.stringify(result));
}
