// MCi towers inside CLIP: open_clip's TimmModel puts the timm network under `trunk` (its own
// `head` is empty when timm_proj is null, the projection being timm's head.fc), so wrapping the
// tower the same way gives CLIP state-dict keys identical to open_clip's: visual.trunk.stem.0...
import type { Tensor } from '../../engine/index.js';
import { Module } from '../../nn/module.js';
import { registerImageTower } from '../tower_registry.js';
import type { ClipCfg } from '../config.js';
import type { FeatureInfo, ImageTower, Intermediates, IntermediatesOptions } from '../tower.js';
import { MCI_TIMM_NAMES, mciTower, type MciVariant } from './variants.js';
import type { MciTower } from './tower.js';

/** An image tower under the key `trunk`, as open_clip's TimmModel. */
export class TimmTrunk extends Module implements ImageTower {
  readonly trunk: MciTower;
  constructor(tower: MciTower) {
    super();
    this.trunk = this.child('trunk', tower);
  }
  // The ImageTower API, delegated to the trunk.
  get imageSize(): number {
    return this.trunk.imageSize;
  }
  forward(images: Tensor): Tensor {
    return this.trunk.forward(images);
  }
  forwardIntermediates(images: Tensor, o?: IntermediatesOptions): Intermediates {
    return this.trunk.forwardIntermediates(images, o);
  }
  featureInfo(): FeatureInfo[] {
    return this.trunk.featureInfo();
  }
  dummyInput(batch?: number): Tensor {
    return this.trunk.dummyInput(batch);
  }
  reparameterize(): void {
    this.trunk.reparameterize();
  }
}

/** Builds the tower an open_clip vision_cfg asks for; only the MobileCLIP settings are accepted. */
function fromClipConfig(variant: MciVariant, cfg: ClipCfg): TimmTrunk {
  const v = cfg.vision_cfg;
  const unsupported: string[] = [];
  if (v.timm_pool !== 'avg') unsupported.push(`timm_pool '${v.timm_pool}' (only 'avg')`);
  if (v.timm_proj !== null) unsupported.push(`timm_proj '${v.timm_proj}' (only null: the trunk's head.fc projects)`);
  if (v.timm_drop !== 0 || v.timm_drop_path !== 0) unsupported.push('timm_drop / timm_drop_path (only 0)');
  if (v.timm_model_pretrained) unsupported.push('timm_model_pretrained (load a checkpoint instead)');
  if (unsupported.length) throw new Error(`${MCI_TIMM_NAMES[variant]}: unsupported vision_cfg ${unsupported.join('; ')}`);
  return new TimmTrunk(mciTower(variant, { embedDim: cfg.embed_dim, imageSize: v.image_size }));
}

/**
 * Registers fastvit_mci0/1/2 and zooclip_mci_tiny with CLIP's tower registry (call once before createModel).
 * @example registerMciTowers(); const model = createModel('zooclip-mci-tiny');
 */
export function registerMciTowers(): void {
  for (const [variant, name] of Object.entries(MCI_TIMM_NAMES) as [MciVariant, string][]) {
    registerImageTower(name, (cfg) => fromClipConfig(variant, cfg));
  }
}
