#!/usr/bin/env node
// Does a trained zooclip model's image tower encode the main object's shape? On the dump of
// dump_world.py: zero-shot shape top-1 on the classify split (all images, and the single-object ones)
// with its confusion matrix, and a linear probe (softmax regression on the L2-normalised image
// embeddings of the 3000 web images, scored on classify). The probe is checked on the object count
// (which CLIP does learn here), so a chance-level shape probe means the features lack shape.
// Usage: node scripts/calibration/probe_shape.mjs RUN_OR_CHECKPOINT DUMP
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classify, embedImages, loadTaskModel } from 'zooclip';

const [run, dump] = process.argv.slice(2);
if (!run || !dump) throw new Error('usage: probe_shape.mjs RUN_OR_CHECKPOINT DUMP (from dump_world.py)');
const cls = JSON.parse(readFileSync(join(dump, 'classify.json'), 'utf8'));
const rows = JSON.parse(readFileSync(join(dump, 'web.json'), 'utf8'));

/** The S x S RGB images of a .u8 dump. */
function images(file, size = 64) {
  const b = readFileSync(file), n = size * size * 3;
  return Array.from({ length: b.length / n }, (_, i) => ({ data: new Uint8Array(b.buffer, b.byteOffset + i * n, n), width: size, height: size }));
}
const unit = (v) => { const n = Math.hypot(...v); return Array.from(v, (x) => x / n); };
const dot = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0);
const argmax = (xs) => xs.indexOf(Math.max(...xs));

/** Features standardised per dimension with the train split's mean and std. */
function standardise(train, test) {
  const d = train[0].length, mean = new Float64Array(d), sd = new Float64Array(d);
  for (const f of train) f.forEach((x, j) => { mean[j] += x / train.length; });
  for (const f of train) f.forEach((x, j) => { sd[j] += (x - mean[j]) ** 2 / train.length; });
  const z = (f) => f.map((x, j) => (x - mean[j]) / Math.sqrt(sd[j] + 1e-12));
  return [train.map(z), test.map(z)];
}

/** Softmax regression (standardised features, full-batch gradient descent); returns its top-1 on (train, test). */
function linearProbe(rawTrain, ytrain, rawTest, ytest, classes, iterations = 300, lr = 0.5) {
  const [train, test] = standardise(rawTrain, rawTest);
  const d = train[0].length, w = Array.from({ length: classes }, () => new Float64Array(d + 1));
  const scores = (f) => w.map((row) => dot(f, row) + row[d]);
  for (let it = 0; it < iterations; it++) {
    const grad = Array.from({ length: classes }, () => new Float64Array(d + 1));
    train.forEach((f, i) => {
      const z = scores(f), m = Math.max(...z), e = z.map((x) => Math.exp(x - m)), s = e.reduce((a, b) => a + b);
      for (let k = 0; k < classes; k++) {
        const r = e[k] / s - (k === ytrain[i] ? 1 : 0);
        for (let j = 0; j < d; j++) grad[k][j] += r * f[j];
        grad[k][d] += r;
      }
    });
    for (let k = 0; k < classes; k++) for (let j = 0; j <= d; j++) w[k][j] -= (lr * grad[k][j]) / train.length;
  }
  const top1 = (fs, ys) => fs.filter((f, i) => argmax(scores(f)) === ys[i]).length / fs.length;
  return [top1(train, ytrain), top1(test, ytest)];
}

const model = await loadTaskModel(run);
const testImages = images(join(dump, 'classify.u8'));
const test = (await embedImages(model, testImages)).map(unit), train = (await embedImages(model, images(join(dump, 'web.u8')))).map(unit);
const task = cls.tasks.shape;
const ranked = await classify(model, testImages, task.classes, { templates: task.templates });
const predicted = ranked.map((r) => task.classes.indexOf(r[0].label));
const confusion = task.classes.map(() => task.classes.map(() => 0));
predicted.forEach((p, i) => confusion[task.labels[i]][p]++);
const single = task.labels.map((_, i) => i).filter((i) => cls.main_share[i] > 0.99);
const pct = (x) => `${(100 * x).toFixed(1)}%`;
console.log(`zero-shot shape: ${pct(predicted.filter((p, i) => p === task.labels[i]).length / predicted.length)} of ${predicted.length}; single-object ${pct(single.filter((i) => predicted[i] === task.labels[i]).length / single.length)} of ${single.length}`);
console.log(`confusion (rows: true ${task.classes.join(', ')}; columns: predicted): ${JSON.stringify(confusion)}`);
const [st, sc] = linearProbe(train, rows.map((r) => r.shape), test, task.labels, task.classes.length);
console.log(`linear probe, main shape (5 classes, chance 20%): web ${pct(st)}, classify ${pct(sc)}`);
const count5 = (c) => Math.min(c, 5) - 1;
const [ct, cc] = linearProbe(train, rows.map((r) => count5(r.count)), test, cls.tasks.count.labels.map((l) => Math.min(l, 4)), 5);
console.log(`linear probe, count 1-4 / 5+ (check of the probe): web ${pct(ct)}, classify ${pct(cc)}`);
model.dispose();
