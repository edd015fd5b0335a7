// A dense model: an image tower and one task head reading one of its feature levels. Keys are
// `visual.*` (the tower, as in a CLIP checkpoint, so CLIP weights load into it directly) and `head.*`.
import { type Tensor } from '../engine/index.js';
import { Module } from '../nn/module.js';
import type { CenterNetOutput } from '../models/heads/index.js';
import type { ClipCfg } from '../models/config.js';
import { buildImageTower } from '../models/clip.js';
import { registerMciTowers } from '../models/mci/register.js';
import type { ImageTower } from '../models/tower.js';
import { resolveLevel } from '../models/heads/index.js';
import type { TaskHead } from '../tasks/index.js';
import { buildHead, type HeadSpec } from './heads.js';

/** A head's raw output: a map [B, C, H, W] (seg logits, depth, normals) or CenterNet outputs. */
export type DenseOut = Tensor | CenterNetOutput;

/** The image tower of a model config (ViT, or an MCi tower registered on first use). */
export function towerFromConfig(cfg: ClipCfg): ImageTower & Module {
  registerMciTowers();
  return buildImageTower(cfg);
}

/**
 * A tower's feature map at one (resolved) level, contiguous NCHW: what a head reads.
 * @example const f = towerFeatures(model.visual, 3, images);   // [B, C, h, w]
 */
export function towerFeatures(tower: ImageTower, level: number, images: Tensor): Tensor {
  return tower.forwardIntermediates(images, { indices: [level], intermediatesOnly: true }).intermediates[0]!.contiguous();
}

/**
 * Tower + head. The tower may be shared (a loaded CLIP's `visual`): dispose only the head then
 * (`model.head.dispose()`); `dispose()` frees both.
 * @example
 * const m = new DenseModel(towerFromConfig(getModelConfig('zooclip-tiny')), defaultHeadSpec('seg', 7));
 * const logits = m.forward(images) as Tensor;    // [B, 7, 64, 64]
 */
export class DenseModel extends Module {
  readonly visual: ImageTower & Module;
  readonly head: TaskHead;
  /** The resolved (non-negative) tower level the head reads. */
  readonly level: number;
  constructor(tower: ImageTower & Module, readonly spec: HeadSpec) {
    super();
    const info = tower.featureInfo();
    this.level = resolveLevel(info, spec.level, 'DenseModel');
    this.visual = this.child('visual', tower);
    this.head = this.child('head', buildHead(spec, info[this.level]!));
  }

  /** The tower's input side in pixels. */
  get imageSize(): number {
    return this.visual.imageSize;
  }

  /** The head's input: the tower's map at `level`, contiguous NCHW. */
  features(images: Tensor): Tensor {
    return towerFeatures(this.visual, this.level, images);
  }

  /** The head over precomputed features (cached probe training) for inputs of `imageSize`. */
  headForward(features: Tensor, imageSize: readonly [number, number]): DenseOut {
    return this.head.forward([features], imageSize);
  }

  /** Tower then head. */
  forward(images: Tensor): DenseOut {
    return this.headForward(this.features(images), [images.size(2), images.size(3)]);
  }
}
