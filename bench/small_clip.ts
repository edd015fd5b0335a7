// The small CLIP of the engine benchmark (issue: image 64, patch 8, width 192, depth 6, 3 heads;
// text context 32, vocab 1000, width 192, depth 4; batch 64), shared by bench/engine and bench/train.
import { CLIP, type ClipConfig } from '../src/models/clip.js';

export const SMALL_CLIP: ClipConfig = {
  embedDim: 192,
  vision: { imageSize: 64, patchSize: 8, width: 192, layers: 6, heads: 3 },
  text: { contextLength: 32, vocabSize: 1000, width: 192, layers: 4, heads: 3 },
};
export const SMALL_BATCH = 64;

export function smallClip(): CLIP {
  return new CLIP(SMALL_CLIP);
}
