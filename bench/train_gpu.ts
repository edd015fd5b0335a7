// `node dist/bench/train_gpu.js [model] [batch] [steps]`: CLIP training throughput on a GPU with bf16
// autocast (random images and token ids), zooclip against the same model in PyTorch eager
// (bench/train_gpu_torch.py) in the same run. Prints one JSON line last.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { autocast, configureRuntime, keep, manualSeed, randint, randn, synchronize, tidy } from '../src/engine/index.js';
import { createModel } from '../src/models/clip.js';
import { clipLoss } from '../src/losses/contrastive.js';
import { AdamW } from '../src/optim/adamw.js';
import { splitDecay } from '../src/optim/param_groups.js';
import { median } from './train_step.js';

const [name = 'ViT-B-16', batchArg = '128', stepsArg = '100'] = process.argv.slice(2);
const batch = Number(batchArg), steps = Number(stepsArg), device = 'cuda:0';
configureRuntime();
manualSeed(0);
const model = createModel(name).to(device);
const size = model.visual.imageSize, ctx = model.cfg.text_cfg.context_length;
const images = keep(randn([batch, 3, size, size], { device })), ids = keep(randint(1, 49407, [batch, ctx], { device }));
const [decay, noDecay] = splitDecay(model.namedParameters());
const opt = new AdamW([{ params: decay.map(([, p]) => p) }, { params: noDecay.map(([, p]) => p), hyper: { weightDecay: 0 } }], { lr: 1e-4, weightDecay: 0.2, beta2: 0.98 });
const times: number[] = [];
for (let i = 0; i < steps + 10; i++) {
  const t0 = performance.now();
  tidy(() => {
    const loss = autocast('cuda', 'bfloat16', () => {
      const o = model.forward(images, ids);
      return clipLoss(o.imageFeatures, o.textFeatures, o.logitScale);
    });
    loss.backward();
  });
  opt.step();
  opt.zeroGrad();
  synchronize();
  if (i >= 10) times.push(performance.now() - t0);
}
const ours = median(times);
const py = process.env.ZOOCLIP_PYTHON ?? 'python3';
const theirs = JSON.parse(execFileSync(py, [join(process.cwd(), 'bench', 'train_gpu_torch.py'), name, String(batch), String(steps)], { encoding: 'utf8' }).trim().split('\n').pop()!) as { step_ms: number; max_mem_gb: number };
console.log(`${name} bf16 train step, batch ${batch}: zooclip ${ours.toFixed(1)} ms (${((batch * 1000) / ours).toFixed(0)} img/s), PyTorch eager ${theirs.step_ms.toFixed(1)} ms (${((batch * 1000) / theirs.step_ms).toFixed(0)} img/s, peak ${theirs.max_mem_gb.toFixed(1)} GB)`);
console.log(JSON.stringify({ bench: 'train_gpu', model: name, batch, zooclip_img_s: +((batch * 1000) / ours).toFixed(1), pytorch_img_s: +((batch * 1000) / theirs.step_ms).toFixed(1), ratio: +(ours / theirs.step_ms).toFixed(3), pytorch_peak_gb: theirs.max_mem_gb }));
