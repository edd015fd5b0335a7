// The supervised baseline objective (objective = 'supervised'): the image tower learns to predict
// its scene's labels (shapes present, colours present, object count) through a linear head over its
// embedding, with one BCE-with-logits term per label group. The labels are the scene descriptions
// of the samples' `json` (supervised.labels: the training split itself or a sidecar split such as
// web-gt, matched by key); the text tower and logit scale are not trained.
import { join } from 'node:path';
import { autocast, type Tensor } from '../../engine/index.js';
import { Linear } from '../../nn/layers.js';
import { combineLosses, multiLabelLoss, type Combined, type LossPart } from '../../losses/index.js';
import type { CLIP } from '../../models/clip.js';
import type { Batch } from '../../data/loader/index.js';
import { IMAGE_KEYS } from '../../data/loader/transform.js';
import { readShards } from '../../data/shards/index.js';
import { shardsIn } from './data.js';
import { SCENE_GROUPS, sceneLabelIndex, sceneTargets, sceneVocabulary, type SceneGroup, type SceneVocabulary } from '../../tasks/index.js';
import type { TrainConfig } from './config.js';
import { autocastDtype } from './step.js';

/**
 * The label groups with a non-zero weight, in column order.
 * @example supervisedGroups(cfg)  // ['shape', 'colour'] for supervised.count=0
 */
export function supervisedGroups(cfg: TrainConfig): SceneGroup[] {
  return SCENE_GROUPS.filter((g) => cfg.supervised[g] > 0);
}

/**
 * Reads the world's label classes (data.root's classify.json) and attaches a linear head from the
 * image embedding to them, under `label_head.` (checkpointed with the model, dropped on export and
 * by evaluation loads). Call after the model is made and before the optimizer.
 * @example const vocab = attachLabelHead(model, cfg);  // vocab.size logits per image
 */
export function attachLabelHead(model: CLIP, cfg: TrainConfig): SceneVocabulary {
  const vocab = sceneVocabulary(cfg.data.root, supervisedGroups(cfg));
  model.attachLabelHead(new Linear(model.cfg.embed_dim, vocab.size));
  return vocab;
}

/**
 * Whether the supervised objective trains a parameter (image tower and label head), by name.
 * @example supervisedTrains('visual.proj') // true; supervisedTrains('logit_scale') // false
 */
export function supervisedTrains(name: string): boolean {
  return name.startsWith('visual.') || name.startsWith('label_head.');
}

/**
 * The supervised total of a micro-batch: each group's mean BCE on its columns, weighted by
 * supervised.<group>, under the run's autocast. Parts: `shape`, `colour`, `count` (enabled ones).
 * @example const { total, values } = supervisedLoss(model, cfg, vocab, images, targets, 'cpu');  // values.shape
 */
export function supervisedLoss(model: CLIP, cfg: TrainConfig, vocab: SceneVocabulary, images: Tensor, targets: Tensor, device: string): Combined {
  const head = model.labelHead;
  if (!head) throw new Error('train: objective supervised needs the label head (attachLabelHead)');
  const run = (): Combined => {
    const logits = head.forward(model.encodeImage(images, false)).to('float32');
    const losses = multiLabelLoss(logits, targets, vocab.groups.map((g) => ({ name: g.name, offset: g.offset, size: g.classes.length })));
    const parts: Record<string, LossPart> = {};
    for (const g of vocab.groups) parts[g.name] = { loss: losses[g.name]!, weight: cfg.supervised[g.name] };
    return combineLosses(parts);
  };
  const dtype = autocastDtype(cfg, device);
  return dtype ? autocast(device.startsWith('cuda') ? 'cuda' : 'cpu', dtype, run) : run();
}

/** A label-only split (the world's web-gt: labels of the web images, no images) cannot be data.split: says which keys to set instead. */
async function checkHasImages(cfg: TrainConfig): Promise<void> {
  const [first] = shardsIn(join(cfg.data.root, cfg.data.split));
  for await (const s of readShards([first!])) {
    if (IMAGE_KEYS.some((k) => s.fields.has(k))) return;
    throw new Error(`train: data.split ${cfg.data.split} holds no images (${first} key ${s.key} has ${[...s.fields.keys()].join(', ')}); ` +
      'train on the images and take the labels from this split, e.g. data.split=web supervised.labels=web-gt');
  }
}

/**
 * The loss of one loader batch for the training loop: reads every label of the labels split once
 * (supervised.labels, or data.split when empty), then scores each batch against its keys' rows.
 * @example const lossOf = await supervisedLossOf(cfg, model, vocab, 'cpu'); lossOf(batch, 0, 0).total.backward();
 */
export async function supervisedLossOf(cfg: TrainConfig, model: CLIP, vocab: SceneVocabulary, device: string): Promise<(b: Batch, step: number, m: number) => Combined> {
  await checkHasImages(cfg);
  const dir = join(cfg.data.root, cfg.supervised.labels || cfg.data.split);
  const index = await sceneLabelIndex(dir, vocab);
  return (b) => supervisedLoss(model, cfg, vocab, b.images.to(device), sceneTargets(index, b.keys, vocab.size, dir).to(device), device);
}
