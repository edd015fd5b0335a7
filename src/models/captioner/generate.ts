// Captions for a batch of images as token ids: encodes the images once, then runs the shared
// caption search (src/decoding: greedy, beam, or top-p sampling) on a decoding session with or
// without the KV cache.
import { noGrad, tidy, keep, type Tensor } from '../../engine/index.js';
import { captionSearch, runSearch, type DecodeOptions } from '../../decoding/index.js';
import { sessionStep } from './generation.js';
import { END_TOKEN, START_TOKEN, type CoCaCaptioner } from './model.js';
import { captionerSession, type DecodeSession } from './session.js';

/** How to caption (the fields of the zoo's CaptionOptions, plus the samples' keys). */
export interface GenerateOptions extends DecodeOptions {
  /** One key per image: with seed, it seeds the image's sampling. */
  keys: readonly string[];
  /** Self-attention key/value cache (default true; false recomputes every position each step). */
  cache?: boolean;
}

/**
 * `o.n` captions per image as CLIP token ids (no start/end tokens), for normalised images
 * [B, 3, S, S] on the model's device. maxLength is capped at the decoder's context length - 1.
 * @example generateCaptions(model, images, { strategy: 'sample', n: 5, topP: 0.9, temperature: 1, beams: 4, maxLength: 30, seed: 0, keys })
 */
export function generateCaptions(model: CoCaCaptioner, images: Tensor, o: GenerateOptions): number[][][] {
  const b = images.size(0);
  if (o.keys.length !== b) throw new Error(`caption: ${o.keys.length} keys for ${b} images`);
  const maxLength = Math.min(o.maxLength, model.cfg.decoder_cfg.context_length - 1);
  const device = images.device, cache = o.cache ?? true;
  return noGrad(() => {
    const tokens = keep(tidy(() => model.encodeImage(images).tokens));
    const opened: DecodeSession[] = [];
    const open = (rowImage: readonly number[]): DecodeSession => {
      const s = captionerSession(model, tokens, rowImage, cache);
      opened.push(s);
      return s;
    };
    try {
      return runSearch(captionSearch(o.keys, { ...o, maxLength }, { start: START_TOKEN, end: END_TOKEN }), sessionStep(open, device));
    } finally {
      for (const s of opened) s.dispose();
      tokens.dispose();
    }
  });
}
