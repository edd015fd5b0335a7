// Shared pieces of the captioner tests: a small random captioner whose logits are far from
// uniform (untied output layer over 24 output ids, so captions vary and end), and random images.
// Generation tests run on one thread: with tiny ops, a second thread only adds contention.
import { manualSeed, noGrad, randn, type Tensor } from '../../src/engine/index.js';
import { CoCaCaptioner, END_TOKEN, parseCaptionerConfig, type CaptionerCfg } from '../../src/models/captioner/index.js';

/** 24 output ids: common CLIP word ids and the end token. */
export const TEST_OUTPUT_IDS = [320, 533, 539, 593, 631, 736, 1125, 1350, 2368, 3086, 4480, 5046, 6982, 7657, 8912, 10241, 13162, 16354,
  20980, 25094, 30191, 38043, 44710, 49407];

/** A 32x32 captioner config (CoCa: one text-only layer, one cross layer, contrastive on). */
export function testConfig(over: Record<string, unknown> = {}): CaptionerCfg {
  return parseCaptionerConfig({
    embed_dim: 16,
    vision_cfg: { image_size: 32, layers: 1, width: 32, head_width: 16, patch_size: 8 },
    decoder_cfg: { context_length: 16, width: 32, heads: 2, layers: 1, unimodal_layers: 1, mlp_ratio: 2, tie_embeddings: false, output_ids: TEST_OUTPUT_IDS },
    contrastive_loss_weight: 0.1,
    ...over,
  }, 'test config');
}

/** A seeded random captioner in eval mode, its end-token bias raised so captions end at various lengths (the caller disposes it). */
export function testCaptioner(seed = 0, over: Record<string, unknown> = {}, endBias = 2): CoCaCaptioner {
  manualSeed(seed);
  const model = new CoCaCaptioner(testConfig(over)).eval();
  noGrad(() => model.decoder.lm_head_bias.select(0, TEST_OUTPUT_IDS.indexOf(END_TOKEN)).add_(endBias));
  return model;
}

/** Seeded random normalised images [n, 3, 32, 32]. */
export function testImages(n: number, seed = 1): Tensor {
  manualSeed(seed);
  return randn([n, 3, 32, 32]);
}
