// The output vocabulary of a captioner run: every CLIP token id its training captions use (within
// the context length) plus the end token. A domain's captions use a few hundred of CLIP's 49408
// ids, so the decoder's output layer shrinks by ~100x (decoder_cfg.output_ids).
import { readShards } from '../../data/shards/index.js';
import { syntheticCaptions } from '../../data/loader/captions.js';
import { encode } from '../../tokenizer/index.js';
import { END_TOKEN } from '../../models/captioner/index.js';

/**
 * Sorted ids of the captions (syn.json and txt) of the shards' samples that `keep` accepts.
 * @example await collectOutputIds(['world/zoo/zoo-000000.tar'], null, 32) // [267, 320, ..., 49407]
 */
export async function collectOutputIds(shards: readonly string[], keep: ((key: string) => boolean) | null, contextLength: number): Promise<number[]> {
  const ids = new Set<number>([END_TOKEN]);
  const text = new TextDecoder();
  for await (const s of readShards([...shards], { onSkip: () => {} })) {
    if (keep && !keep(s.key)) continue;
    const caps = syntheticCaptions(s.fields.get('syn.json'));
    const txt = s.fields.get('txt');
    if (txt) caps.push(text.decode(txt));
    for (const c of caps) for (const id of encode(c).slice(0, contextLength - 2)) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}
