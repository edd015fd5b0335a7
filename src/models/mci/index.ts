// MobileCLIP's MCi image encoders (MCi0/1/2) as zooclip image towers.
export { MciTower, PoolProjectHead, type MciConfig } from './tower.js';
export { MobileOneBlock, type MobileOneOptions } from './mobileone.js';
export { ReparamLargeKernelConv } from './large_kernel.js';
export { RepMixer } from './repmixer.js';
export { RepConditionalPosEnc } from './cpe.js';
export { Attention, AttentionBlock, ConvMlp, RepMixerBlock } from './blocks.js';
export { FastVitStage, PatchEmbed } from './stage.js';
export { TimmTrunk, registerMciTowers } from './register.js';
export { mciKeyFromForeign, mciStateDictFromForeign } from './keys.js';

export { MCI_TIMM_NAMES, MCI_VARIANTS, mciTower, type MciVariant } from './variants.js';
