// The MCi variants (MobileCLIP-S0/S1/S2 image encoders, and zooclip's small MCi for 64 px worlds)
// and the factory that builds them.
import { MciTower, type MciConfig } from './tower.js';

export type MciVariant = 'mci0' | 'mci1' | 'mci2' | 'mci_tiny';

/**
 * Depths and widths of each variant; MLP ratio 3 throughout. mci0/1/2 are timm's fastvit_mci0/1/2.
 * mci_tiny is zooclip's own (timm has no such model): three stages (reductions 4, 8, 16), so a
 * 64 px image keeps a 4 x 4 map at the last level (MCi0's stride 32 would leave 2 x 2 there and
 * 1 x 1 after a 64 px total stride), with about the image parameters of zooclip-tiny's ViT.
 */
export const MCI_VARIANTS: Record<MciVariant, Pick<MciConfig, 'depths' | 'widths'>> = {
  mci0: { depths: [2, 6, 10, 2], widths: [64, 128, 256, 512] },
  mci1: { depths: [4, 12, 20, 4], widths: [64, 128, 256, 512] },
  mci2: { depths: [4, 12, 24, 4], widths: [80, 160, 320, 640] },
  mci_tiny: { depths: [1, 2, 4], widths: [32, 64, 128] },
};

/** The vision_cfg.timm_model_name of each variant (zooclip_mci_tiny is zooclip's, not timm's). */
export const MCI_TIMM_NAMES: Record<MciVariant, string> = {
  mci0: 'fastvit_mci0', mci1: 'fastvit_mci1', mci2: 'fastvit_mci2', mci_tiny: 'zooclip_mci_tiny',
};

/**
 * An MCi image tower with training-time branches (call reparameterize() for inference).
 * @example const tower = mciTower('mci0');            // 256 x 256 input, 512-d embedding
 * @example const small = mciTower('mci0', { imageSize: 64 });
 * @example const tiny = mciTower('mci_tiny', { imageSize: 64, embedDim: 128 }); // last map 4 x 4
 */
export function mciTower(variant: MciVariant, o: { embedDim?: number; imageSize?: number } = {}): MciTower {
  const v = MCI_VARIANTS[variant];
  if (!v) throw new Error(`mciTower: unknown variant '${String(variant)}' (${Object.keys(MCI_VARIANTS).join(', ')})`);
  return new MciTower({ ...v, mlpRatio: 3, embedDim: o.embedDim ?? 512, imageSize: o.imageSize ?? 256 });
}
