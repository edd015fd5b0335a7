// Both captioner backends decode through the one search: the libtorch session step and an
// onnxruntime-style async step give the same tokens for the same logits, seed and keys (non-ASCII
// ones included), and each real backend's sampled captions replay exactly from
// captionRng(seed, key, caption index) and the shared chooser on that backend's own logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, setNumThreads, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { captionRng, captionSearch, runSearch, runSearchAsync, sampleTopP, type DecodeOptions } from '../../src/decoding/index.js';
import { END_TOKEN, START_TOKEN, generateCaptions, sessionStep, type DecodeSession } from '../../src/models/captioner/index.js';
import { loadOnnxCaptioner } from '../../src/zoo/captioner_onnx.js';
import { readOnnxCaptionerSpec } from '../../src/zoo/onnx_spec.js';
import { imagesToInput } from '../../src/zoo/onnx/preprocess.js';
import { closeModel, floatTensor, idTensor, openModel, runModel } from '../../src/zoo/onnx/session.js';
import { tokenText } from '../../src/zoo/onnx/token_text.js';
import { testCaptioner, testImages } from '../zoo/captioner_fixture.js';
import { fixture, golden, images } from '../fixtures/zoo/onnx_golden.js';
import { TOKENS, VOCAB, fakeStep, rowLogits } from './fake_decoder.js';

setNumThreads(1);
const T = { timeout: 120_000 };
const keys = ['zoo-0000001', 'éclair/3', 'ключ-7', '猫'];
const base: DecodeOptions = { strategy: 'sample', n: 3, topP: 0.9, temperature: 1.2, beams: 3, maxLength: 8, seed: 11 };

/** A libtorch DecodeSession over the fake decoder: rows carry their image and follow reorder. */
function fakeSession(rowImage: readonly number[]): DecodeSession {
  let images = [...rowImage];
  return {
    rows: rowImage.length,
    next: (ids: Tensor): Tensor => {
      const t = ids.size(1), flat = ids.toArray();
      const data = images.flatMap((img, r) => rowLogits(img, flat.slice(r * t, (r + 1) * t)));
      return tensor(data, { shape: [images.length, VOCAB] });
    },
    reorder: (from: Tensor): void => { images = from.toArray().map((i) => images[i]); },
    dispose: (): void => undefined,
  };
}

test('the libtorch session step and an async array step give the same tokens for the same logits, seed and keys', T, async () => {
  for (const o of [base, { ...base, strategy: 'greedy' }, { ...base, strategy: 'beam', n: 2 }] as DecodeOptions[]) {
    const viaTorch = noGrad(() => runSearch(captionSearch(keys, o, TOKENS), sessionStep(fakeSession, 'cpu')));
    const { step } = fakeStep();
    const viaAsync = await runSearchAsync(captionSearch(keys, o, TOKENS), (req) => Promise.resolve(step(req)));
    assert.deepEqual(viaTorch, viaAsync, o.strategy);
  }
});

/** Samples one caption by hand: the shared chooser fed by captionRng over a backend's own logits. */
async function replay(key: string, index: number, o: DecodeOptions, end: number, logitsAfter: (ids: number[]) => Promise<Float32Array>): Promise<number[]> {
  const rng = captionRng(o.seed, key, index), ids: number[] = [];
  while (ids.length < o.maxLength) {
    const data = await logitsAfter(ids);
    const tok = sampleTopP({ data, vocab: data.length }, 0, o.topP, o.temperature, rng.next());
    if (tok === end) break;
    ids.push(tok);
  }
  return ids;
}

test('libtorch captioner: each sampled caption replays from captionRng(seed, key, index)', T, async () => {
  using model = testCaptioner(11);
  using imgs = testImages(4, 12);
  const o = { ...base, maxLength: 12 };
  const got = generateCaptions(model, imgs, { ...o, keys });
  for (let i = 0; i < keys.length; i++) {
    const logitsAfter = (ids: number[]): Promise<Float32Array> => Promise.resolve(noGrad(() => tidy(() => {
      const kv = model.decoder.imageKv(model.encodeImage(imgs.narrow(0, i, 1)).tokens);
      const row = tensor([START_TOKEN, ...ids], { dtype: 'int64', shape: [1, ids.length + 1] });
      return model.decoder.forward(row, kv).select(1, -1).reshape([-1]).data() as Float32Array;
    })));
    for (let j = 0; j < o.n; j++) assert.deepEqual(got[i][j], await replay(keys[i], j, o, END_TOKEN, logitsAfter), `image ${i} caption ${j}`);
  }
});

test('ONNX captioner: each sampled caption replays from captionRng(seed, key, index)', T, async () => {
  const imgs = images(), g = golden().captioner, spec = readOnnxCaptionerSpec(fixture('captioner.json'));
  const t = spec.tokenizer, text = tokenText(t.vocab, [t.start, t.end, t.pad]);
  const o = { ...base, maxLength: g.max_length, n: 4, temperature: 1.5 };
  const cap = await loadOnnxCaptioner(fixture('captioner.json'), { threads: 1 });
  const got = await cap.caption(imgs, keys.slice(0, 2), o);
  cap.dispose();
  const enc = await openModel(spec.encoder.model, { threads: 1 }), dec = await openModel(spec.decoder.model, { threads: 1 });
  const { data, dims } = imagesToInput(imgs, spec.encoder.input, [32, 32]);
  const tok = (await runModel(enc, { image: floatTensor(data, dims) }, ['image_tokens'])).image_tokens;
  const per = tok.data.length / 2;
  for (let i = 0; i < 2; i++) {
    const image = floatTensor(tok.data.slice(i * per, (i + 1) * per), [1, ...tok.dims.slice(1)]);
    const logitsAfter = async (ids: number[]): Promise<Float32Array> => {
      const row = [spec.tokenizer.start, ...ids];
      const out = (await runModel(dec, { tokens: idTensor(row, [1, row.length], 'int64'), image_tokens: image }, ['logits'])).logits;
      const v = out.dims[2];
      return out.data.slice((row.length - 1) * v, row.length * v);
    };
    for (let j = 0; j < o.n; j++) {
      const ids = await replay(keys[i], j, o, spec.tokenizer.end, logitsAfter);
      assert.equal(got[i][j], text.decode(ids), `image ${i} caption ${j}`);
    }
  }
  closeModel(enc);
  closeModel(dec);
});
