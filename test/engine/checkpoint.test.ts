// Gradient checkpointing gives the same gradients as the plain graph, dropout included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkpoint, dropout, keep, liveCheckpointSegments, liveTensors, manualSeed, randn, tidy, type Tensor } from '../../src/engine/index.js';
import { ResidualAttentionBlock } from '../../src/nn/attention.js';

function grads(useCheckpoint: boolean): number[][] {
  manualSeed(3);
  const blocks = [new ResidualAttentionBlock(16, 4), new ResidualAttentionBlock(16, 4)];
  const x = keep(randn([2, 5, 16]).requiresGrad_());
  tidy(() => {
    let h: Tensor = x;
    for (const b of blocks) {
      const f = (y: Tensor) => dropout(b.forward(y), 0.3, true);
      h = useCheckpoint ? (checkpoint(f, h) as Tensor) : f(h);
    }
    h.square().sum().backward();
  });
  const out = tidy(() => [x.grad!.toArray(), ...blocks.flatMap((b) => b.parameters().map((p) => p.grad!.toArray()))]);
  tidy(() => { x.dispose(); blocks.forEach((b) => b.dispose()); });
  return out;
}

test('checkpointed blocks give the same gradients (with dropout) as the plain graph', () => {
  grads(true);  // the first checkpoint creates one permanent anchor tensor
  const before = liveTensors();
  const plain = grads(false);
  const ckpt = grads(true);
  assert.equal(plain.length, ckpt.length);
  plain.forEach((g, i) => {
    const c = ckpt[i]!;
    const worst = Math.max(...g.map((v, j) => Math.abs(v - (c[j] as number))));
    assert.ok(worst < 1e-5, `gradient ${i} differs by ${worst}`);
  });
  assert.equal(liveTensors(), before, 'checkpointing leaked tensors');
  assert.equal(liveCheckpointSegments(), 0, 'segments outlived their graph');
});

test('params inside a checkpoint get gradients even when the input needs none', () => {
  const block = new ResidualAttentionBlock(8, 2);
  tidy(() => {
    const x = randn([1, 3, 8]);
    (checkpoint((y) => block.forward(y), x) as Tensor).sum().backward();
    assert.ok(block.parameters().every((p) => p.grad !== null));
  });
  block.dispose();
});

test('a graph dropped without backward releases its segments', () => {
  const block = new ResidualAttentionBlock(8, 2);
  tidy(() => { checkpoint((y) => block.forward(y), randn([1, 3, 8])); });
  assert.equal(liveCheckpointSegments(), 0);
  block.dispose();
});
