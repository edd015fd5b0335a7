// Where a training step's time goes: forward, backward and optimizer timed apart (with device
// syncs between them), plus the number of JS-level op calls. `node dist/bench/profile_step.js [device]`.
import { configureRuntime, manualSeed, randint, randn, synchronize, tidy, defaultDevice } from '../src/engine/index.js';
import { native } from '../src/engine/native.js';
import { AdamW } from '../src/optim/adamw.js';
import { clipLoss } from '../src/losses/contrastive.js';
import { SMALL_BATCH, smallClip } from './small_clip.js';
import { median } from './train_step.js';

configureRuntime();
const device = process.argv[2] ?? defaultDevice();
manualSeed(0);
const model = smallClip().to(device);
const images = randn([SMALL_BATCH, 3, 64, 64], { device }), ids = randint(1, 1000, [SMALL_BATCH, 32], { device });
const opt = new AdamW(model.parameters(), { lr: 1e-4 });
let calls = 0;
const realCall = native.call;
native.call = (...a: Parameters<typeof realCall>) => { calls++; return realCall(...a); };
const fwd: number[] = [], bwd: number[] = [], upd: number[] = [];
for (let i = 0; i < 15; i++) {
  calls = 0;
  const t0 = performance.now();
  tidy(() => {
    const out = model.forward(images, ids);
    const l = clipLoss(out.imageFeatures, out.textFeatures, out.logitScale);
    synchronize();
    const t1 = performance.now();
    l.backward();
    synchronize();
    fwd.push(t1 - t0);
    bwd.push(performance.now() - t1);
  });
  const t2 = performance.now();
  opt.step();
  opt.zeroGrad();
  synchronize();
  upd.push(performance.now() - t2);
}
console.log(JSON.stringify({ device, forward_ms: median(fwd.slice(5)), backward_ms: median(bwd.slice(5)), optimizer_ms: median(upd.slice(5)), js_op_calls_per_forward: calls }));
