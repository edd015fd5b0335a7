// The interim demo's data: images of a coloured square in one of four quadrants, paired with a
// token caption naming the colour and the quadrant. Made on the fly, deterministic by seed, so
// the demo needs no files. (The synthetic 3-D world of DESIGN.md replaces it later.)
import { tensor, type Tensor } from '../../engine/index.js';
import { Rng } from '../../data/loader/rng.js';

export const COLOURS: [string, [number, number, number]][] = [
  ['red', [1, 0, 0]], ['green', [0, 1, 0]], ['blue', [0, 0, 1]], ['yellow', [1, 1, 0]],
  ['cyan', [0, 1, 1]], ['magenta', [1, 0, 1]], ['white', [1, 1, 1]], ['grey', [0.5, 0.5, 0.5]],
];
export const QUADRANTS = ['top left', 'top right', 'bottom left', 'bottom right'];
const START = 1, END = 2, COLOUR0 = 3, QUAD0 = COLOUR0 + COLOURS.length;
export const TOY_VOCAB = QUAD0 + QUADRANTS.length;
export const TOY_CONTEXT = 8;

/** A seeded uniform source in [0, 1) (the loader's generator), so batches repeat across runs. */
export function rng(seed: number): () => number {
  const r = new Rng(seed, 0x70e);
  return () => r.uniform(0, 1);
}

/** Token ids of the caption for colour c in quadrant q. */
export function toyCaption(c: number, q: number): number[] {
  return [START, COLOUR0 + c, QUAD0 + q, END];
}

/** One batch: images [B, 3, S, S] in [-1, 1] with noise, token ids [B, TOY_CONTEXT], and labels. */
export function toyBatch(batch: number, size: number, next: () => number): { images: Tensor; ids: Tensor; labels: number[] } {
  const img = new Float32Array(batch * 3 * size * size);
  const ids = new BigInt64Array(batch * TOY_CONTEXT);
  const labels: number[] = [];
  const half = size / 2;
  for (let b = 0; b < batch; b++) {
    const c = Math.floor(next() * COLOURS.length), q = Math.floor(next() * 4);
    labels.push(c * 4 + q);
    const [r, g, bl] = COLOURS[c]![1];
    const y0 = q >= 2 ? half : 0, x0 = q % 2 ? half : 0;
    for (let ch = 0; ch < 3; ch++) {
      const v = [r, g, bl][ch]! * 2 - 1;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const inside = y >= y0 + 2 && y < y0 + half - 2 && x >= x0 + 2 && x < x0 + half - 2;
          img[((b * 3 + ch) * size + y) * size + x] = (inside ? v : -1) + (next() - 0.5) * 0.2;
        }
      }
    }
    toyCaption(c, q).forEach((tok, i) => { ids[b * TOY_CONTEXT + i] = BigInt(tok); });
  }
  return { images: tensor(img, { shape: [batch, 3, size, size] }), ids: tensor(ids, { shape: [batch, TOY_CONTEXT] }), labels };
}
