// Dense center-based detection head (CenterNet, "Objects as Points"): per-class center heatmaps,
// box sizes and sub-pixel center offsets on one grid, optionally upsampled to a finer stride.
import { noGrad, type Tensor } from '../../engine/index.js';
import { Module, ModuleList } from '../../nn/module.js';
import { Conv2d, ConvBnRelu } from '../../nn/layers.js';
import type { FeatureInfo } from '../tower.js';
import { checkPositiveInt, pickLevel, resizeTo, resolveLevel, type ImageSize } from './common.js';
import { decodeCenterNet, type DecodeOptions, type Detection } from './centernet_decode.js';

export interface CenterNetOptions {
  /** Number of object classes (heatmap channels). */
  numClasses: number;
  /** Which feature level to read (negative from the end). Default -1, the last. */
  level?: number;
  /** Stride of the output grid; smaller than the level's reduction adds x2 upsampling stages. Default: the level's reduction. */
  outputStride?: number;
  /** Channels of the neck (and its upsampling stages). Default 128. */
  neckChannels?: number;
  /** Channels inside each prediction branch. Default 64, as CenterNet's ResNet heads. */
  headChannels?: number;
  /** Initial heatmap bias: -2.19, CenterNet's value, makes the initial sigmoid about 0.1. */
  heatmapBias?: number;
}

/**
 * Raw outputs at stride `stride`: heatmap logits [B, K, h, w] (sigmoid gives center probabilities),
 * box size (w, h) [B, 2, h, w] and center offset (dx, dy) [B, 2, h, w], both in grid cells.
 * @example const { heatmap, size, offset, stride } = head.forward(feats, [256, 256]);
 */
export interface CenterNetOutput { heatmap: Tensor; size: Tensor; offset: Tensor; stride: number }

/** 3x3 conv + ReLU + 1x1 conv, CenterNet's prediction branch (keys conv.*, out.*). */
class Branch extends Module {
  readonly conv: Conv2d;
  readonly out: Conv2d;
  constructor(inChannels: number, hidden: number, outChannels: number, bias: number) {
    super();
    this.conv = this.child('conv', new Conv2d(inChannels, hidden, 3, { padding: 1 }));
    this.out = this.child('out', new Conv2d(hidden, outChannels, 1));
    noGrad(() => this.out.bias!.fill_(bias));
  }
  forward(x: Tensor): Tensor {
    return this.out.forward(this.conv.forward(x).relu());
  }
}

/**
 * CenterNet-style detection head over one level: a 3x3 conv block (the neck), log2(reduction /
 * outputStride) stages of bilinear x2 upsampling + 3x3 conv block, then three branches: hm
 * (class heatmap logits, bias -2.19), wh (box size) and reg (center offset), the last two with
 * zero bias. Keys: neck.*, up.<i>.*, hm.*, wh.*, reg.*.
 * @example
 * const head = new CenterNetHead(tower.featureInfo(), { numClasses: 80, outputStride: 4 });
 * const out = head.forward(feats, [256, 256]);              // heatmap [B, 80, 64, 64]
 * const dets = head.decode(out, { imageSize: [256, 256] });  // per image [{ box, score, label }]
 */
export class CenterNetHead extends Module {
  readonly neck: ConvBnRelu;
  readonly up: ModuleList<ConvBnRelu>;
  readonly hm: Branch;
  readonly wh: Branch;
  readonly reg: Branch;
  readonly level: number;
  readonly outputStride: number;
  constructor(readonly info: readonly FeatureInfo[], readonly opts: CenterNetOptions) {
    super();
    const who = 'CenterNetHead';
    checkPositiveInt(opts.numClasses, 'numClasses', who);
    this.level = resolveLevel(info, opts.level ?? -1, who);
    const { channels, reduction } = info[this.level]!;
    this.outputStride = opts.outputStride ?? reduction;
    const factor = reduction / this.outputStride;
    const stages = Math.log2(factor);
    if (!Number.isInteger(stages) || stages < 0) {
      throw new Error(`${who}: outputStride ${this.outputStride} must be the level's reduction ${reduction} divided by a power of 2`);
    }
    const neck = opts.neckChannels ?? 128, hidden = opts.headChannels ?? 64;
    checkPositiveInt(neck, 'neckChannels', who);
    checkPositiveInt(hidden, 'headChannels', who);
    this.neck = this.child('neck', new ConvBnRelu(channels, neck, 3));
    this.up = this.child('up', new ModuleList(Array.from({ length: stages }, () => new ConvBnRelu(neck, neck, 3))));
    this.hm = this.child('hm', new Branch(neck, hidden, opts.numClasses, opts.heatmapBias ?? -2.19));
    this.wh = this.child('wh', new Branch(neck, hidden, 2, 0));
    this.reg = this.child('reg', new Branch(neck, hidden, 2, 0));
  }
  /** Feature maps (one per FeatureInfo entry) -> raw outputs on the outputStride grid (imageSize only checks the grid). */
  forward(features: readonly Tensor[], imageSize: ImageSize): CenterNetOutput {
    const x0 = pickLevel(features, this.info, this.level, 'CenterNetHead');
    let x = this.neck.forward(x0);
    for (const stage of this.up.items) x = stage.forward(resizeTo(x, [x.size(2) * 2, x.size(3) * 2]));
    const [h, w] = [x.size(2), x.size(3)];
    const fits = (cells: number, pixels: number) => Math.abs(cells * this.outputStride - pixels) < this.outputStride;
    if (!fits(h, imageSize[0]) || !fits(w, imageSize[1])) {
      throw new Error(`CenterNetHead: a ${h}x${w} grid at stride ${this.outputStride} does not cover a ${imageSize[0]}x${imageSize[1]} image`);
    }
    return { heatmap: this.hm.forward(x), size: this.wh.forward(x), offset: this.reg.forward(x), stride: this.outputStride };
  }
  /** Boxes, scores and labels per image from this head's outputs (see decodeCenterNet). */
  decode(out: CenterNetOutput, o: DecodeOptions): Detection[][] {
    return decodeCenterNet(out, o);
  }
}
