// Developer check (not part of the test suite; needs a trained run and its export): transformers.js's
// zero-shot pipeline on an exported folder against zooclip's own `classify` (libtorch) on the run it
// came from, over a world's classify split: top-1 agreement and the largest score difference per task.
// Usage: node scripts/check-export-agreement.mjs RUN EXPORT_DIR WORLD [N=200] [DTYPE=fp32|fp16|q8]
//   e.g. after `npm run demo` and the README's export command:
//   node scripts/check-export-agreement.mjs runs/demo/pretrain/C-seed0 exports/demo runs/demo/world 200 q8
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { env, pipeline, RawImage } from '@huggingface/transformers';
import { classify, configureRuntime, loadTaskModel, readShards, tarsIn } from 'zooclip';

const [run, folder, world, n = '200', dtype = 'fp32'] = process.argv.slice(2);
if (!run || !folder || !world) throw new Error('usage: check-export-agreement.mjs RUN EXPORT_DIR WORLD [N] [fp32|fp16|q8]');
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.useFSCache = false;
configureRuntime();

const tasks = JSON.parse(readFileSync(join(world, 'classify.json'), 'utf8')).tasks;
const images = [];
for await (const s of readShards(tarsIn(join(world, 'classify')))) {
  images.push(s.fields.get('jpg') ?? s.fields.get('png'));
  if (images.length >= Number(n)) break;
}
const model = await loadTaskModel(run);
const pipe = await pipeline('zero-shot-image-classification', resolve(folder), { dtype, device: 'cpu' });
const template = 'a photo of a {}.';
for (const [task, t] of Object.entries(tasks)) {
  const ours = await classify(model, images, t.classes, { templates: [template] });
  let agree = 0, maxDiff = 0, correct = 0;
  for (let i = 0; i < images.length; i++) {
    const theirs = await pipe(await RawImage.fromBlob(new Blob([images[i]])), t.classes, { hypothesis_template: template });
    const score = new Map(theirs.map((x) => [x.label, x.score]));
    for (const o of ours[i]) maxDiff = Math.max(maxDiff, Math.abs(o.score - score.get(o.label)));
    if (theirs[0].label === ours[i][0].label) agree++;
    if (ours[i][0].label === t.classes[t.labels[i]]) correct++;
  }
  console.log(JSON.stringify({ task, dtype, images: images.length, top1Agreement: agree / images.length, maxScoreDiff: maxDiff, zooclipTop1: correct / images.length, chance: 1 / t.classes.length }));
}
model.dispose();
await pipe.dispose();
