// zooclip-mci-tiny against zooclip-tiny (its ViT twin): image-tower parameters, last feature map at
// 64 px, and ms per CLIP training step (batch 64, 1 thread unless ZOOCLIP_NUM_THREADS says
// otherwise). Steps alternate between the two models so machine load hits both alike.
// Run: node --import ./dist/test/setup.js dist/bench/mci_tiny.js [steps]
import { manualSeed, noGrad, setNumThreads, tidy } from '../src/engine/index.js';
import { createModel, type CLIP } from '../src/models/clip.js';
import { median, trainRig, type StepRig } from './train_step.js';

const steps = Number(process.argv[2] ?? 10);
setNumThreads(Number(process.env.ZOOCLIP_NUM_THREADS ?? 1));

interface Entry { name: string; model: CLIP; rig: StepRig; ms: number[]; about: string }

function entry(name: string): Entry {
  manualSeed(0);
  const model = createModel(name);
  const shape = tidy(() => noGrad(() => model.visual.forwardIntermediates(model.visual.dummyInput(1), { indices: [-1], intermediatesOnly: true }).intermediates[0]!.shape));
  const about = `image params ${model.visual.numParams()}, total ${model.numParams()}, last map [${shape.slice(1)}]`;
  return { name, model, rig: trainRig(model, 64), ms: [], about };
}

const entries = ['zooclip-tiny', 'zooclip-mci-tiny'].map(entry);
for (const e of entries) e.rig.step();
for (let i = 0; i < steps; i++) {
  for (const e of entries) {
    const t = performance.now();
    e.rig.step();
    e.ms.push(performance.now() - t);
  }
}
for (const e of entries) {
  e.rig.dispose();
  e.model.eval().visual.reparameterize();
  console.log(`${e.name}: ${e.about}, folded image params ${e.model.visual.numParams()}, ${median(e.ms).toFixed(0)} ms/step (median of ${steps}, batch 64)`);
  e.model.dispose();
}
