// `zooclip demo` (interim): trains a tiny CLIP on toy image-caption pairs for a few dozen steps,
// reports loss and zero-shot accuracy before and after, and saves the weights as safetensors.
// The full demo of both papers (issue "Evaluation, the demo...") replaces this.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { argmax, manualSeed, noGrad, tidy, tensor, getNumThreads, buildInfo, defaultDevice, type Tensor } from '../../engine/index.js';
import { CLIP } from '../../models/clip.js';
import { parseClipConfig } from '../../models/config.js';
import { clipLoss } from '../../losses/contrastive.js';
import { AdamW } from '../../optim/adamw.js';
import { splitDecay } from '../../optim/param_groups.js';
import { trainLoopSync } from '../../training/loop.js';
import { saveSafetensors } from '../../io/safetensors.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { COLOURS, QUADRANTS, TOY_CONTEXT, TOY_VOCAB, rng, toyBatch, toyCaption } from './toy_pairs.js';

export interface DemoOptions { steps: number; batch: number; out: string; seed: number; device?: string; log?: (s: string) => void }

const IMAGE = 32;

/** Token prompts for every colour x quadrant class, in the captions' layout. */
function classPrompts(): Tensor {
  const n = COLOURS.length * QUADRANTS.length;
  const ids = new BigInt64Array(n * TOY_CONTEXT);
  for (let k = 0; k < n; k++) {
    toyCaption(Math.floor(k / 4), k % 4).forEach((tok, j) => { ids[k * TOY_CONTEXT + j] = BigInt(tok); });
  }
  return tensor(ids, { shape: [n, TOY_CONTEXT] });
}

/** Zero-shot accuracy over all 32 colour x quadrant classes on a fresh held-out batch. */
function zeroShot(model: CLIP, seed: number, device: string): number {
  return noGrad(() => tidy(() => {
    const { images, labels } = toyBatch(256, IMAGE, rng(seed));
    const text = model.encodeText(classPrompts().to(device));
    const img = model.encodeImage(images.to(device));
    const pred = argmax(img.matmul(text.transpose(0, 1)), -1).toArray();
    return pred.filter((p, i) => p === labels[i]).length / labels.length;
  }));
}

/** The toy's learning rate at (1-based) step: 10 warmup steps, then cosine to 0 at `steps`. */
function toyLr(step: number, steps: number): number {
  return 2e-3 * Math.min(1, step / 10) * 0.5 * (1 + Math.cos((Math.PI * step) / steps));
}

/**
 * Trains the toy CLIP through the shared training loop and reports zero-shot accuracy before and after.
 * @example const { before, after } = runDemo({ steps: 60, batch: 64, out: '/tmp/demo', seed: 0 });
 */
export function runDemo(o: DemoOptions): { before: number; after: number; losses: number[] } {
  const log = o.log ?? console.log;
  const device = o.device ?? defaultDevice();
  manualSeed(o.seed);
  log(`zooclip demo: libtorch ${buildInfo().torchVersion}, ${getNumThreads()} threads, device ${device}`);
  const model = new CLIP(parseClipConfig({
    embed_dim: 64,
    vision_cfg: { image_size: IMAGE, patch_size: 8, width: 64, layers: 2, head_width: 32 },
    text_cfg: { context_length: TOY_CONTEXT, vocab_size: TOY_VOCAB, width: 64, layers: 2, heads: 2 },
  }, 'demo')).to(device);
  const [decay, noDecay] = splitDecay(model.namedParameters());
  const opt = new AdamW([{ params: decay.map(([, p]) => p) }, { params: noDecay.map(([, p]) => p), hyper: { weightDecay: 0 } }],
    { lr: 2e-3, weightDecay: 0.1, beta2: 0.95 });
  const before = zeroShot(model, 999, device);
  log(`zero-shot accuracy over ${COLOURS.length * QUADRANTS.length} classes before training: ${(before * 100).toFixed(1)}% (chance ${(100 / 32).toFixed(1)}%)`);
  const next = rng(o.seed);
  const losses: number[] = [];
  const t0 = performance.now();
  trainLoopSync({
    who: 'demo', params: model.parameters(), opt, setLr: (s) => { const lr = toyLr(s + 1, o.steps); opt.setLr(lr); return lr; }, steps: o.steps, samplesPerStep: o.batch, clipGrad: 1,
    lossOf: () => {
      const { images, ids } = toyBatch(o.batch, IMAGE, next);
      const out = model.forward(images.to(device), ids.to(device));
      const l = clipLoss(out.imageFeatures, out.textFeatures, out.logitScale);
      return { total: l, values: { total: l.item() } };
    },
    onStep: ({ step, values, lr }) => {
      losses.push(values.total!);
      if (step % 10 !== 0 && step !== o.steps) return;
      const rate = (step * o.batch) / ((performance.now() - t0) / 1000);
      log(`step ${step}/${o.steps}  loss ${values.total!.toFixed(4)}  lr ${lr.toExponential(2)}  ${rate.toFixed(0)} img/s`);
    },
  }, () => undefined);
  const after = zeroShot(model, 999, device);
  log(`zero-shot accuracy after ${o.steps} steps: ${(after * 100).toFixed(1)}%`);
  mkdirSync(o.out, { recursive: true });
  saveSafetensors(join(o.out, 'model.safetensors'), model.stateDict(), { format: 'pt' });
  writeFileAtomic(join(o.out, 'result.json'), JSON.stringify({ before, after, losses, steps: o.steps, batch: o.batch }, null, 2) + '\n');
  log(`wrote ${join(o.out, 'model.safetensors')} and result.json`);
  opt.dispose();
  model.dispose();
  return { before, after, losses };
}
