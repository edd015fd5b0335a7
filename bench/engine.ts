// `npm run bench -- engine`: sgemm throughput, JS per-op overhead, and the small-CLIP training
// step through zooclip and through PyTorch eager (bench/engine_torch.py) on the same machine,
// shapes and threads. Prints one JSON line last.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { getNumThreads, loadedBlas, manualSeed, matmul, randn, synchronize, tidy, tensor, buildInfo, defaultDevice } from '../src/engine/index.js';
import { native } from '../src/engine/native.js';
import { SMALL_BATCH, SMALL_CLIP, smallClip } from './small_clip.js';
import { median, trainRig } from './train_step.js';

function sgemm(n: number, device: string, reps = 5): number {
  return tidy(() => {
    const a = randn([n, n], { device }), b = randn([n, n], { device });
    matmul(a, b);
    synchronize();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) matmul(a, b).dispose();
    synchronize();
    return (2 * n ** 3 * reps) / ((performance.now() - t0) / 1000) / 1e9;
  });
}

function opOverhead(): { jsUs: number; cppUs: number } {
  return tidy(() => {
    const a = tensor([1]), b = tensor([2]);
    const n = 200_000;
    for (let i = 0; i < 20_000; i++) a.add(b).dispose();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) a.add(b).dispose();
    const jsUs = Number(process.hrtime.bigint() - t0) / n / 1000;
    const cppUs = native.benchAdd(a.id, b.id, n);
    return { jsUs, cppUs };
  });
}

/** Multiply-adds x2 of the step's matmuls and convs, forward x3 for forward + backward. */
function stepFlops(): number {
  const { vision_cfg: v, text_cfg: t, embed_dim: embedDim } = SMALL_CLIP;
  const B = SMALL_BATCH;
  const block = (n: number, l: number, d: number) => 24 * n * l * d * d + 4 * n * l * l * d;
  const g = v.image_size / v.patch_size, lv = g * g + 1;
  const fwd = v.layers * block(B, lv, v.width) + t.layers * block(B, t.context_length, t.width) +
    2 * B * g * g * 3 * v.patch_size ** 2 * v.width + 2 * B * (v.width + t.width) * embedDim + 2 * B * B * embedDim;
  return 3 * fwd;
}

function zooclipStep(device: string, steps = 20, warmup = 3): number {
  manualSeed(0);
  const model = smallClip().to(device);
  const rig = trainRig(model, SMALL_BATCH, device);
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    rig.step();
    if (i >= warmup) times.push(performance.now() - t0);
  }
  rig.dispose();
  model.dispose();
  return median(times);
}

interface TorchResult { step_ms: number; sgemm_gflops: number; torch: string; threads: number }

function torchStep(device: string, env: Record<string, string>): TorchResult {
  const out = execFileSync(process.env.ZOOCLIP_PYTHON ?? '/usr/bin/python3', [join(process.cwd(), 'bench', 'engine_torch.py')], {
    encoding: 'utf8', env: { ...process.env, BENCH_DEVICE: device, ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as TorchResult;
}

export function benchEngine(args: string[]): void {
  const device = args.includes('--device') ? (args[args.indexOf('--device') + 1] as string) : defaultDevice();
  const threads = getNumThreads();
  const blas = loadedBlas();
  console.log(`engine bench: libtorch ${buildInfo().torchVersion}, device ${device}, ${threads} threads, BLAS ${blas.filter((b) => /blas/.test(b)).join(' ') || 'built in'}`);
  const g1024 = sgemm(1024, device), g2048 = sgemm(2048, device);
  console.log(`sgemm: 1024^3 ${g1024.toFixed(1)} GFLOP/s, 2048^3 ${g2048.toFixed(1)} GFLOP/s`);
  const { jsUs, cppUs } = opOverhead();
  console.log(`tiny add: ${jsUs.toFixed(2)} us per op from JS, ${cppUs.toFixed(2)} us from C++ through the same dispatcher: JS overhead ${(jsUs - cppUs).toFixed(2)} us`);

  // PyTorch at its best uses the same OpenMP OpenBLAS (preloaded by path) and thread count.
  const openmpBlas = blas.filter((b) => b.includes('openblas-openmp') && /lib(openblas|blas)\.so/.test(b) || /libopenblasp/.test(b));
  const best = { ZOOCLIP_NUM_THREADS: String(threads), ...(openmpBlas.length ? { LD_PRELOAD: openmpBlas.join(':') } : {}) };
  // Three alternating rounds; the fastest median of each side counts (shared machines are noisy).
  const ours: number[] = [], theirs: TorchResult[] = [];
  for (let round = 0; round < 3; round++) {
    ours.push(zooclipStep(device));
    theirs.push(torchStep(device, best));
    console.log(`round ${round + 1}: zooclip ${ours.at(-1)!.toFixed(1)} ms/step, PyTorch ${theirs.at(-1)!.step_ms.toFixed(1)} ms/step`);
  }
  const shipped = torchStep(device, {});
  const zs = Math.min(...ours), ts = Math.min(...theirs.map((t) => t.step_ms));
  const flops = stepFlops();
  console.log(`small CLIP train step (batch ${SMALL_BATCH}): zooclip ${zs.toFixed(1)} ms, PyTorch ${theirs[0]!.torch} eager ${ts.toFixed(1)} ms (same BLAS, ${threads} threads); ratio ${(zs / ts).toFixed(3)}`);
  console.log(`PyTorch as shipped (its own thread default ${shipped.threads}, BLAS as the system resolves it): ${shipped.step_ms.toFixed(1)} ms`);
  console.log(JSON.stringify({
    bench: 'engine', device, zooclip_step_ms: +zs.toFixed(2), pytorch_step_ms: +ts.toFixed(2), pytorch_shipped_step_ms: +shipped.step_ms.toFixed(2),
    ratio: +(zs / ts).toFixed(3), op_overhead_us: +(jsUs - cppUs).toFixed(3), op_js_us: +jsUs.toFixed(3), sgemm_gflops: +g2048.toFixed(1),
    sgemm_1024_gflops: +g1024.toFixed(1), pytorch_sgemm_gflops: +theirs[0]!.sgemm_gflops.toFixed(1), step_gflops: +(flops / (zs / 1000) / 1e9).toFixed(1),
  }));
}
