// Light pyramid segmentation head, PSPNet-style: pooled context at several grid sizes over one
// feature map, fused with the map itself by a 3x3 conv, then a 1x1 classifier.
import { adaptiveAvgPool2d, cat, type Tensor } from '../../engine/index.js';
import { Module, ModuleList } from '../../nn/module.js';
import { Conv2d, ConvBnRelu, Dropout } from '../../nn/layers.js';
import type { FeatureInfo } from '../tower.js';
import { checkPositiveInt, pickLevel, resizeTo, resolveLevel, type DenseMapHead, type ImageSize } from './common.js';

export interface PyramidSegOptions {
  /** Number of classes (output channels). */
  numClasses: number;
  /** Which feature level to read (negative from the end). Default -1, the last. */
  level?: number;
  /** Pooling grid sizes. Default [1, 2, 3, 6], as PSPNet. */
  bins?: readonly number[];
  /** Channels of each pooled branch. Default: input channels / number of bins, as PSPNet. */
  poolChannels?: number;
  /** Channels of the fusing 3x3 conv. Default 256 (PSPNet uses 512; this head is meant to be light). */
  channels?: number;
  /** Dropout before the classifier, in training. Default 0.1. */
  dropout?: number;
}

/** One pyramid branch: average-pool to bin x bin, 1x1 conv + BN + ReLU, resize back (keys conv.*, bn.*). */
class PoolBranch extends ConvBnRelu {
  constructor(readonly bin: number, inChannels: number, outChannels: number) {
    super(inChannels, outChannels, 1);
  }
  override forward(x: Tensor): Tensor {
    return resizeTo(super.forward(adaptiveAvgPool2d(x, this.bin)), [x.size(2), x.size(3)]);
  }
}

/**
 * PSPNet-style pyramid pooling head over one feature map: branches pool to 1x1, 2x2, 3x3 and 6x6,
 * each 1x1 conv + BN + ReLU, are resized back and concatenated with the map; a 3x3 conv + BN + ReLU
 * fuses them and a 1x1 conv gives class logits, resized to the input. Keys: ppm.<i>.conv.*, ppm.<i>.bn.*,
 * bottleneck.*, conv_seg.*. The 1x1 bin has one value per channel per image, so training it
 * needs a batch of at least 2 (BatchNorm), as in PSPNet.
 * @example
 * const head = new PyramidSegHead(tower.featureInfo(), { numClasses: 150 });
 * const logits = head.forward(feats, [224, 224]);   // [B, 150, 224, 224]
 */
export class PyramidSegHead extends Module implements DenseMapHead {
  readonly ppm: ModuleList<PoolBranch>;
  readonly bottleneck: ConvBnRelu;
  readonly drop: Dropout;
  readonly conv_seg: Conv2d;
  readonly level: number;
  constructor(readonly info: readonly FeatureInfo[], readonly opts: PyramidSegOptions) {
    super();
    const who = 'PyramidSegHead';
    checkPositiveInt(opts.numClasses, 'numClasses', who);
    this.level = resolveLevel(info, opts.level ?? -1, who);
    const c = info[this.level]!.channels;
    const bins = opts.bins ?? [1, 2, 3, 6];
    if (bins.length === 0) throw new Error(`${who}: bins must not be empty`);
    for (const b of bins) checkPositiveInt(b, 'each bin', who);
    const pc = opts.poolChannels ?? Math.max(1, Math.floor(c / bins.length));
    const hidden = opts.channels ?? 256;
    checkPositiveInt(pc, 'poolChannels', who);
    checkPositiveInt(hidden, 'channels', who);
    this.ppm = this.child('ppm', new ModuleList(bins.map((b) => new PoolBranch(b, c, pc))));
    this.bottleneck = this.child('bottleneck', new ConvBnRelu(c + bins.length * pc, hidden, 3));
    this.drop = this.child('drop', new Dropout(opts.dropout ?? 0.1));
    this.conv_seg = this.child('conv_seg', new Conv2d(hidden, opts.numClasses, 1));
  }
  /** Feature maps (one per FeatureInfo entry) -> class logits [B, numClasses, H, W] at imageSize. */
  forward(features: readonly Tensor[], imageSize: ImageSize): Tensor {
    const x = pickLevel(features, this.info, this.level, 'PyramidSegHead');
    const fused = this.bottleneck.forward(cat([x, ...this.ppm.items.map((p) => p.forward(x))], 1));
    return resizeTo(this.conv_seg.forward(this.drop.forward(fused)), imageSize);
  }
}
