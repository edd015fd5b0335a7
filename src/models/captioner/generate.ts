// Captions for a batch of images as token ids: encodes the images once, then runs the chosen
// search (greedy, beam, or top-p sampling) on a decoding session with or without the KV cache.
import { noGrad, tidy, keep, type Tensor } from '../../engine/index.js';
import { beamDecode, greedyDecode, imageSeed, sampleDecode } from './generation.js';
import type { CoCaCaptioner } from './model.js';
import { captionerSession } from './session.js';

/** How to caption (the fields of the zoo's CaptionOptions, plus the samples' keys). */
export interface GenerateOptions {
  strategy: 'greedy' | 'beam' | 'sample';
  /** Captions per image (greedy repeats its one caption). */
  n: number;
  topP: number;
  temperature: number;
  beams: number;
  /** Most tokens per caption, without start/end; capped at the decoder's context length - 1. */
  maxLength: number;
  seed: number;
  /** One key per image: with seed, it seeds the image's sampling. */
  keys: readonly string[];
  /** Self-attention key/value cache (default true; false recomputes every position each step). */
  cache?: boolean;
  /** Beam scores divide the log probability by length^lengthPenalty (default 1). */
  lengthPenalty?: number;
}

function checkOptions(o: GenerateOptions, images: number): void {
  if (o.keys.length !== images) throw new Error(`caption: ${o.keys.length} keys for ${images} images`);
  if (!Number.isInteger(o.n) || o.n < 1) throw new Error(`caption: n must be a positive integer, got ${o.n}`);
  if (!Number.isInteger(o.maxLength) || o.maxLength < 1) throw new Error(`caption: maxLength must be a positive integer, got ${o.maxLength}`);
  if (!['greedy', 'beam', 'sample'].includes(o.strategy)) throw new Error(`caption: unknown strategy '${o.strategy}' (greedy, beam, sample)`);
}

/**
 * `o.n` captions per image as CLIP token ids (no start/end tokens), for normalised images
 * [B, 3, S, S] on the model's device.
 * @example generateCaptions(model, images, { strategy: 'sample', n: 5, topP: 0.9, temperature: 1, beams: 4, maxLength: 30, seed: 0, keys })
 */
export function generateCaptions(model: CoCaCaptioner, images: Tensor, o: GenerateOptions): number[][][] {
  const b = images.size(0);
  checkOptions(o, b);
  const maxLength = Math.min(o.maxLength, model.cfg.decoder_cfg.context_length - 1);
  const device = images.device, cache = o.cache ?? true;
  return noGrad(() => {
    const tokens = keep(tidy(() => model.encodeImage(images).tokens));
    try {
      const rowsOf = (per: number): number[] => Array.from({ length: b * per }, (_, r) => Math.floor(r / per));
      if (o.strategy === 'greedy') {
        const s = captionerSession(model, tokens, rowsOf(1), cache);
        try {
          return greedyDecode(s, maxLength, device).map((c) => Array.from({ length: o.n }, () => [...c]));
        } finally { s.dispose(); }
      }
      if (o.strategy === 'beam') {
        const s = captionerSession(model, tokens, rowsOf(o.beams), cache);
        try {
          return beamDecode(s, { beams: o.beams, n: o.n, maxLength, lengthPenalty: o.lengthPenalty }, device);
        } finally { s.dispose(); }
      }
      const s = captionerSession(model, tokens, rowsOf(o.n), cache);
      try {
        const rowSeeds = Array.from({ length: b * o.n }, (_, r) => [imageSeed(o.seed, o.keys[Math.floor(r / o.n)]!), r % o.n]);
        const flat = sampleDecode(s, { topP: o.topP, temperature: o.temperature, maxLength, rowSeeds }, device);
        return Array.from({ length: b }, (_, i) => flat.slice(i * o.n, (i + 1) * o.n));
      } finally { s.dispose(); }
    } finally {
      tokens.dispose();
    }
  });
}
