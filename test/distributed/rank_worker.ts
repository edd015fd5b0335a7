// The per-rank program of the data-parallel tests, started by launchLocal (test/distributed/*.test.ts).
// `node rank_worker.js MODE [out.json]`; with no MODE it does nothing (the test runner may load it).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { arange, manualSeed, randint, randn, setNumThreads, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { distributed, initDistributed, destroyDistributed } from '../../src/distributed/index.js';
import { createModel } from '../../src/models/clip.js';
import { clipLoss } from '../../src/losses/contrastive.js';
import { AdamW } from '../../src/optim/adamw.js';

const close = (a: number[], b: number[], what: string, tol = 1e-6) => {
  assert.equal(a.length, b.length, `${what}: length`);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol, `${what}[${i}]: ${x} vs ${b[i]}`));
};
const values = (t: Tensor) => t.toArray() as number[];

/** allreduce, broadcast, allGather values and the gradient of allGatherWithGrad. */
function collectives(rank: number, world: number): void {
  tidy(() => {
    const x = tensor([rank + 1, 10 * (rank + 1)]);
    distributed.allReduce(x);
    const s = (world * (world + 1)) / 2;
    close(values(x), [s, 10 * s], 'allReduce sum');
    const y = tensor([rank + 1]);
    distributed.allReduce(y, 'avg');
    close(values(y), [s / world], 'allReduce avg');
    const b = tensor([rank, rank]);
    distributed.broadcast([b]);
    close(values(b), [0, 0], 'broadcast');
    const g = distributed.allGather(tensor([[rank, rank], [rank + 0.5, rank + 0.5]]));
    assert.deepEqual(g.shape, [2 * world, 2]);
    close(values(g), Array.from({ length: world }, (_, r) => [r, r, r + 0.5, r + 0.5]).flat(), 'allGather');
    // Gradient through the gather: loss_r = sum(W_r * gathered), averaged over ranks, against one process.
    manualSeed(5);
    const full = randn([2 * world, 3]);
    const weights = Array.from({ length: world }, () => randn([2 * world, 3]));
    const mine = full.narrow(0, 2 * rank, 2).clone().requiresGrad_();
    const gathered = distributed.allGatherWithGrad(mine.mul(mine));
    gathered.mul(weights[rank]).sum().backward();
    const grad = mine.grad!;  // the gather's backward already summed every rank's contribution
    const ref = full.clone().requiresGrad_();
    const refOut = ref.mul(ref);
    let total = refOut.mul(weights[0]).sum();
    for (let r = 1; r < world; r++) total = total.add(refOut.mul(weights[r]).sum());
    total.backward();
    const refMine = ref.grad!.narrow(0, 2 * rank, 2).contiguous();
    close(values(grad), values(refMine), 'allGatherWithGrad backward', 1e-5);
    distributed.barrier();
  });
}

/** Tiny CLIP, full batch 8 split over ranks, 5 AdamW steps; rank 0 writes losses and parameters. */
function train(rank: number, world: number, out: string, dtype: 'float32' | 'float64'): void {
  manualSeed(0);
  const model = createModel('zooclip-tiny-test').to(dtype);
  distributed.broadcastParameters(model);
  const params = model.parameters();
  const opt = new AdamW(params, { lr: 1e-3, weightDecay: 0.1 });
  const batch = 8, local = batch / world;
  const losses: number[] = [];
  for (let step = 0; step < 5; step++) {
    const loss = tidy(() => {
      manualSeed(100 + step);
      const images = randn([batch, 3, 32, 32], { dtype }).narrow(0, rank * local, local).contiguous();
      const ids = randint(1, 1000, [batch, 16]).narrow(0, rank * local, local).contiguous();
      const o = model.forward(images, ids);
      const gathered = { image: distributed.allGatherWithGrad(o.imageFeatures), text: distributed.allGatherWithGrad(o.textFeatures), rank };
      const l = clipLoss(o.imageFeatures, o.textFeatures, o.logitScale, gathered);
      l.backward();
      return distributed.allReduce(l.detach().clone(), 'avg').item() as number;
    });
    distributed.allReduceGrads(params);
    opt.step();
    opt.zeroGrad();
    losses.push(loss);
  }
  if (rank === 0) {
    const state = Object.fromEntries([...model.namedParameters()].map(([n, p]) => [n, values(p.reshape([-1]))]));
    writeFileSync(out, JSON.stringify({ world, losses, state }));
  }
}

/** Rank 1 leaves mid-run (exit code from argv, 0 = a silent death); rank 0 keeps reducing. */
function die(rank: number, code: number): void {
  const x = arange(4).to('float32');
  for (let i = 0; i < 50; i++) {
    if (rank === 1 && i === 3) process.exit(code);
    distributed.allReduce(x);
  }
  console.log('rank finished all reductions');
}

/** Rank 1 stays alive but never joins the collective; rank 0 must fail after the timeout, not hang. */
function stall(rank: number): void {
  if (rank === 1) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30_000);
    return;
  }
  const t0 = performance.now();
  try {
    distributed.allReduce(tensor([1]));
  } finally {
    console.log(`allreduce returned after ${Math.round(performance.now() - t0)} ms`);
  }
}

const mode = process.argv[2];
if (mode) {
  setNumThreads(1);
  const cfg = initDistributed();
  console.log(`rank ${cfg.rank}/${cfg.worldSize} ready`);
  if (mode === 'collectives') collectives(cfg.rank, cfg.worldSize);
  else if (mode === 'train') train(cfg.rank, cfg.worldSize, process.argv[3], process.argv[4] === 'float64' ? 'float64' : 'float32');
  else if (mode === 'stall') stall(cfg.rank);
  else if (mode === 'die') die(cfg.rank, Number(process.argv[3] ?? 0));
  else throw new Error(`rank_worker: unknown mode ${mode}`);
  destroyDistributed();
  console.log('done');
}
