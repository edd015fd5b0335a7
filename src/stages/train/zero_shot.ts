// Zero-shot classification on the synthetic world's classify split: class embeddings from the
// prompt templates of classify.json (averaged per class), top-1 accuracy per task vs chance.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { argmax, keep, noGrad, stack, tidy, type Tensor } from '../../engine/index.js';
import { Loader, shardSource } from '../../data/loader/index.js';
import type { CLIP } from '../../models/clip.js';
import type { ClassifyFile } from '../synth/classify.js';
import { shardsIn } from './data.js';

/** Accuracy of one task. */
export interface TaskResult { top1: number; chance: number; classes: number; images: number }

/** Normalised class embeddings [C, D]: each class's template embeddings averaged, renormalised. */
export function classEmbeddings(model: CLIP, classes: readonly string[], templates: readonly string[], tokenize: (t: string[]) => Tensor, device: string): Tensor {
  return noGrad(() => tidy(() => {
    const rows = classes.map((c) => {
      const f = model.encodeText(tokenize(templates.map((t) => t.replace('{}', c))).to(device));
      const m = f.mean(0);
      return m.div(m.norm());
    });
    return stack(rows, 0);
  }));
}

/** Top-1 accuracy per classify.json task under root (needs root/classify.json and root/classify/*.tar). */
export async function zeroShot(model: CLIP, root: string, tokenize: (t: string[]) => Tensor, device: string, o: { batch: number; imageSize: number; workers: number }): Promise<Record<string, TaskResult>> {
  const file = join(root, 'classify.json');
  if (!existsSync(file)) throw new Error(`train: zero-shot needs ${file} (zooclip synth --classify N)`);
  const cls = JSON.parse(readFileSync(file, 'utf8')) as ClassifyFile;
  const index = new Map(cls.keys.map((k, i) => [k, i]));
  const tasks = Object.entries(cls.tasks);
  const wasTraining = model.training;
  model.eval();
  const text = tasks.map(([, t]) => keep(classEmbeddings(model, t.classes, t.templates, tokenize, device)));
  const correct = tasks.map(() => 0);
  let images = 0;
  const loader = new Loader({ source: shardSource(shardsIn(join(root, 'classify'))), batchSize: o.batch, imageSize: o.imageSize, train: false, workers: o.workers, shuffle: 0 });
  try {
    for await (const batch of loader) {
      try {
        const rows = batch.keys.map((k) => index.get(k));
        const preds = noGrad(() => tidy(() => {
          const img = model.encodeImage(batch.images.to(device));
          return text.map((t) => argmax(img.matmul(t.transpose(0, 1)), -1).toArray() as number[]);
        }));
        tasks.forEach(([, t], ti) => preds[ti]!.forEach((p, i) => { const r = rows[i]; if (r !== undefined && t.labels[r] === Number(p)) correct[ti]! += 1; }));
        images += rows.filter((r) => r !== undefined).length;
      } finally {
        batch.dispose();
      }
    }
  } finally {
    await loader.close();
    for (const t of text) t.dispose();
    model.train(wasTraining);
  }
  const out: Record<string, TaskResult> = {};
  tasks.forEach(([name, t], ti) => { out[name] = { top1: images ? correct[ti]! / images : 0, chance: 1 / t.classes.length, classes: t.classes.length, images }; });
  return out;
}
