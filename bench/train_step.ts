// One CLIP training step (forward, InfoNCE, backward, AdamW) for benchmarks, with its inputs.
import { randint, randn, tidy, keep, synchronize, type Tensor } from '../src/engine/index.js';
import { AdamW } from '../src/optim/adamw.js';
import { splitDecay } from '../src/optim/param_groups.js';
import { clipLoss } from '../src/losses/contrastive.js';
import type { CLIP } from '../src/models/clip.js';

export interface StepRig { step(): number; dispose(): void }

export function trainRig(model: CLIP, batch: number, device = 'cpu'): StepRig {
  const imageSize = model.visual.imageSize;
  const { context_length: contextLength, vocab_size: vocabSize } = model.cfg.text_cfg;
  const images = keep(randn([batch, 3, imageSize, imageSize], { device }));
  const ids = keep(randint(1, vocabSize, [batch, contextLength], { device }));
  const [decay, noDecay] = splitDecay(model.namedParameters());
  const opt = new AdamW([
    { params: decay.map(([, p]) => p) },
    { params: noDecay.map(([, p]) => p), hyper: { weightDecay: 0 } },
  ], { lr: 1e-4, weightDecay: 0.1 });
  return {
    step(): number {
      const loss = tidy(() => {
        const out = model.forward(images, ids);
        const l = clipLoss(out.imageFeatures, out.textFeatures, out.logitScale);
        l.backward();
        return l.item();
      });
      opt.step();
      opt.zeroGrad();
      synchronize();
      return loss;
    },
    dispose(): void {
      opt.dispose();
      images.dispose();
      ids.dispose();
    },
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export type { Tensor };
