// Hand-built evaluation fixtures: shards of solid-colour images and a "model" whose features are
// known, so zero-shot and retrieval answers can be worked out by hand.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { normalize, tensor, type Tensor } from '../../src/engine/index.js';
import { encodePng } from '../../src/data/loader/index.js';
import { ShardWriter } from '../../src/data/shards/index.js';
import { tokenize } from '../../src/tokenizer/index.js';
import type { DualEncoder } from '../../src/eval/zero_shot.js';

export const COLOURS = { red: [255, 0, 0], green: [0, 255, 0], blue: [0, 0, 255] } as const;
export type Colour = keyof typeof COLOURS;

/** One sample of a colour shard set. */
export interface ColourSample { key: string; colour: Colour; txt?: string; syn?: string[]; cls?: string; json?: Record<string, unknown> }

/** Writes 8x8 solid-colour PNGs (and the given fields) as one shard; returns its path. */
export async function colourShards(samples: ColourSample[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'zc-evfix-'));
  const w = new ShardWriter({ dir, prefix: 'fix' });
  for (const s of samples) {
    const px = new Uint8Array(8 * 8 * 3);
    for (let i = 0; i < 64; i++) px.set(COLOURS[s.colour], i * 3);
    const fields: Record<string, Buffer | string> = { png: encodePng(px, 8, 8, 3) };
    if (s.txt !== undefined) fields.txt = s.txt;
    if (s.syn) fields['syn.json'] = JSON.stringify({ syn_text: s.syn });
    if (s.cls !== undefined) fields.cls = s.cls;
    if (s.json) fields.json = JSON.stringify(s.json);
    await w.write(s.key, fields);
  }
  await w.close();
  return join(dir, 'fix-000000.tar');
}

export const CONTEXT = 16;
export const tok = (t: string[]): Tensor => tokenize(t, CONTEXT);

/**
 * Image features: the mean of each (normalised) channel, so a red image points along +R and away
 * from G and B. Text features: one-hot on the colour word a text contains (red, green, blue), a
 * flat vector when it has none.
 */
export class ColourModel implements DualEncoder {
  training = true;
  private readonly ids = (Object.keys(COLOURS) as Colour[]).map((c) => tokenize([c], CONTEXT).toArray()[1]!);
  train(on = true): this { this.training = on; return this; }
  encodeImage(images: Tensor): Tensor {
    return normalize(images.mean([2, 3]), 2, -1);
  }
  encodeText(ids: Tensor): Tensor {
    const rows = ids.toArray(), b = ids.size(0), l = ids.size(1);
    const out: number[][] = [];
    for (let i = 0; i < b; i++) {
      const row = rows.slice(i * l, (i + 1) * l);
      const k = this.ids.findIndex((id) => row.includes(id));
      out.push(k < 0 ? [1, 1, 1] : [0, 1, 2].map((j) => (j === k ? 1 : 0)));
    }
    return normalize(tensor(out), 2, -1);
  }
}
