// Apple's ml-mobileclip checkpoints onto zooclip/open_clip keys, by an explicit table (as
// open_clip converts them): image_encoder.model.* -> visual.trunk.* (the MCi renames live in
// src/models/mci/keys.ts), text_encoder.* -> text.* (cvnets' transformer names -> open_clip's).
import { noGrad, type Tensor } from '../engine/index.js';
import { mciStateDictFromForeign } from './mci/keys.js';

/** cvnets text-transformer names -> open_clip TextTransformer names (after `text_encoder.`). */
const TEXT_TABLE: readonly [RegExp, string][] = [
  [/^embedding_layer\.weight$/, 'token_embedding.weight'],
  [/^positional_embedding\.pos_embed\.pos_embed$/, 'positional_embedding'],
  [/^final_layer_norm\./, 'ln_final.'],
  [/^projection_layer$/, 'text_projection'],
  [/^transformer\.(\d+)\.pre_norm_mha\.0\./, 'transformer.resblocks.$1.ln_1.'],
  [/^transformer\.(\d+)\.pre_norm_mha\.1\.qkv_proj\.(weight|bias)$/, 'transformer.resblocks.$1.attn.in_proj_$2'],
  [/^transformer\.(\d+)\.pre_norm_mha\.1\.out_proj\./, 'transformer.resblocks.$1.attn.out_proj.'],
  [/^transformer\.(\d+)\.pre_norm_ffn\.0\./, 'transformer.resblocks.$1.ln_2.'],
  [/^transformer\.(\d+)\.pre_norm_ffn\.1\./, 'transformer.resblocks.$1.mlp.c_fc.'],
  [/^transformer\.(\d+)\.pre_norm_ffn\.4\./, 'transformer.resblocks.$1.mlp.c_proj.'],
];

/** Whether a state dict uses ml-mobileclip's names (image_encoder.* / text_encoder.*). */
export function isMobileClipStateDict(sd: Map<string, Tensor>): boolean {
  for (const k of sd.keys()) if (k.startsWith('image_encoder.') || k.startsWith('text_encoder.')) return true;
  return false;
}

/**
 * Converts an ml-mobileclip CLIP state dict to open_clip's CustomTextCLIP keys; a key the table
 * does not know is an error naming it. New tensors (reshaped/transposed) are owned by the result.
 */
export function convertMobileClipStateDict(sd: Map<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const image = new Map<string, Tensor>();
  for (const [key, t] of sd) {
    if (key.startsWith('image_encoder.')) { image.set(key, t); continue; }
    if (key === 'logit_scale') { out.set(key, t); continue; }
    if (!key.startsWith('text_encoder.')) throw new Error(`ml-mobileclip checkpoint: no conversion for key '${key}'`);
    const rest = key.slice('text_encoder.'.length);
    const rule = TEXT_TABLE.find(([re]) => re.test(rest));
    if (!rule) throw new Error(`ml-mobileclip checkpoint: no conversion for text key '${key}'`);
    const name = `text.${rest.replace(rule[0], rule[1])}`;
    // cvnets stores the position table as [1, 1, L, D]; open_clip as [L, D].
    out.set(name, name === 'text.positional_embedding' && t.ndim === 4 ? noGrad(() => t.reshape([t.size(2), t.size(3)])) : t);
  }
  for (const [k, t] of mciStateDictFromForeign(image)) out.set(`visual.trunk.${k}`, t);
  return out;
}
