// The supervised objective's loss against a plain PyTorch formula (test/parity/multilabel_golden.*,
// made by test/parity/make_golden_multilabel.py): each label group's mean BCE with logits, the
// weighted total as supervisedLoss builds it from the config, and the gradient w.r.t. the logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { liveTensors, tidy, type Tensor } from '../../src/engine/index.js';
import { SafetensorsReader } from '../../src/io/safetensors.js';
import type { CLIP } from '../../src/models/clip.js';
import type { SceneGroup, SceneVocabulary } from '../../src/tasks/index.js';
import { resolveConfig } from '../../src/stages/train/config.js';
import { supervisedLoss } from '../../src/stages/train/supervised.js';
import { assertClose } from '../helpers/assert_close.js';

const dir = join(process.cwd(), 'test', 'parity');
const manifest = JSON.parse(readFileSync(join(dir, 'multilabel_golden.json'), 'utf8')) as { torch: string; groups: { name: SceneGroup; offset: number; size: number; weight: number }[] };

test(`supervised loss parity: group BCE means, weighted total and logit gradient (torch ${manifest.torch})`, { timeout: 10_000 }, () => {
  using golden = new SafetensorsReader(join(dir, 'multilabel_golden.safetensors'));
  const before = liveTensors();
  tidy(() => {
    const logits = golden.read('logits'), targets = golden.read('targets');
    logits.requiresGrad = true;
    const cfg = resolveConfig({ sets: ['objective=supervised', ...manifest.groups.map((g) => `supervised.${g.name}=${g.weight}`)] });
    const vocab: SceneVocabulary = { groups: manifest.groups.map((g) => ({ name: g.name, offset: g.offset, classes: Array.from({ length: g.size }, (_, i) => `${g.name}${i}`) })), size: 19 };
    // the model's part (tower + head) is the identity here: the loss sees the golden logits
    const model = { labelHead: { forward: (x: Tensor) => x }, encodeImage: (x: Tensor) => x } as unknown as CLIP;
    const { total, values } = supervisedLoss(model, cfg, vocab, logits, targets, 'cpu');
    assertClose(total.reshape([]), golden.read('total'), 'total');
    for (const g of manifest.groups) assert.ok(Math.abs(values[g.name]! - golden.read(`part.${g.name}`).item()) < 1e-5, `${g.name}: ${values[g.name]}`);
    total.backward();
    assertClose(logits.grad!, golden.read('grad'), 'grad');
  });
  assert.equal(liveTensors(), before, 'no tensor leaks');
});
