// Which image tower a config builds: a ViT, or a tower registered for vision_cfg.timm_model_name
// (the MCi family registers fastvit_mci0/1/2 and zooclip_mci_tiny).
import type { Module } from '../nn/module.js';
import type { ClipCfg } from './config.js';
import type { ImageTower } from './tower.js';
import { VisionTransformer } from './vit.js';

type TowerFactory = (cfg: ClipCfg) => ImageTower & Module;
const TIMM_TOWERS = new Map<string, TowerFactory>();

/**
 * Registers an image tower for a vision_cfg.timm_model_name (the MCi family registers itself).
 * @example registerImageTower('my_convnet', (cfg) => new MyConvNet(cfg)); // then vision_cfg.timm_model_name: 'my_convnet'
 */
export function registerImageTower(timmName: string, make: TowerFactory): void {
  TIMM_TOWERS.set(timmName, make);
}

/** Builds the image tower a config names: a ViT, or a registered tower for timm_model_name. */
export function buildImageTower(cfg: ClipCfg): ImageTower & Module {
  const v = cfg.vision_cfg;
  if (v.timm_model_name) {
    const make = TIMM_TOWERS.get(v.timm_model_name);
    if (!make) throw new Error(`no image tower registered for timm_model_name '${v.timm_model_name}' (have: ${[...TIMM_TOWERS.keys()].join(', ') || 'none'})`);
    return make(cfg);
  }
  return new VisionTransformer(v, cfg.embed_dim, cfg.quick_gelu ? 'quick_gelu' : 'gelu');
}

