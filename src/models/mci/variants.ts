// The MCi variants (MobileCLIP-S0/S1/S2 image encoders) and the factory that builds them.
import { MciTower, type MciConfig } from './tower.js';

export type MciVariant = 'mci0' | 'mci1' | 'mci2';

/** Depths and widths of each variant (timm's fastvit_mci0/1/2); MLP ratio 3 throughout. */
export const MCI_VARIANTS: Record<MciVariant, Pick<MciConfig, 'depths' | 'widths'>> = {
  mci0: { depths: [2, 6, 10, 2], widths: [64, 128, 256, 512] },
  mci1: { depths: [4, 12, 20, 4], widths: [64, 128, 256, 512] },
  mci2: { depths: [4, 12, 24, 4], widths: [80, 160, 320, 640] },
};

/**
 * An MCi image tower with training-time branches (call reparameterize() for inference).
 * @example const tower = mciTower('mci0');            // 256 x 256 input, 512-d embedding
 * @example const small = mciTower('mci0', { imageSize: 64 });
 */
export function mciTower(variant: MciVariant, o: { embedDim?: number; imageSize?: number } = {}): MciTower {
  const v = MCI_VARIANTS[variant];
  if (!v) throw new Error(`mciTower: unknown variant '${String(variant)}' (${Object.keys(MCI_VARIANTS).join(', ')})`);
  return new MciTower({ ...v, mlpRatio: 3, embedDim: o.embedDim ?? 512, imageSize: o.imageSize ?? 256 });
}
