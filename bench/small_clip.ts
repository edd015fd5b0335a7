// The small CLIP of the engine benchmark (image 64, patch 8, width 192, depth 6, 3 heads; text
// context 32, vocab 1000, width 192, depth 4; batch 64), shared by the engine and train benches.
import { CLIP } from '../src/models/clip.js';
import { parseClipConfig } from '../src/models/config.js';

export const SMALL_CLIP = parseClipConfig({
  embed_dim: 192,
  vision_cfg: { image_size: 64, patch_size: 8, width: 192, layers: 6, head_width: 64 },
  text_cfg: { context_length: 32, vocab_size: 1000, width: 192, layers: 4, heads: 3 },
}, 'bench small CLIP');
export const SMALL_BATCH = 64;

export function smallClip(): CLIP {
  return new CLIP(SMALL_CLIP);
}
