// Foreign MCi checkpoints onto MciTower keys (which are timm's fastvit_mci* keys):
//  - timm:          unchanged;
//  - open_clip:     visual.trunk.<timm key> (MobileCLIP-S* configs wrap timm; visual.head is empty);
//  - ml-mobileclip: image_encoder.model.<FastViT key>, with the renames below, the flat
//                   `network.N` list split into stages, and head.proj [2C, E] (x @ proj) becoming
//                   head.fc.weight [E, 2C] plus a zero head.fc.bias.
import { noGrad, zeros, type Tensor } from '../../engine/index.js';

/** ml-mobileclip names -> timm names (substring renames; timm's checkpoint filter does the same). */
const RENAMES: readonly [RegExp, string][] = [
  [/^patch_embed\./, 'stem.'],
  [/\.rbr_conv\./, '.conv_kxk.'],
  [/\.rbr_scale\./, '.conv_scale.'],
  [/\.rbr_skip\./, '.identity.'],
  [/^conv_exp\./, 'final_conv.'],
  [/\.lkb_origin\./, '.large_conv.'],
  [/\.lkb_reparam\./, '.reparam_conv.'],
  [/\.convffn\./, '.mlp.'],
  [/\.se\.reduce\./, '.se.fc1.'],
  [/\.se\.expand\./, '.se.fc2.'],
  [/\.layer_scale(_[12])?$/, '.layer_scale$1.gamma'],
];

/** ml-mobileclip's FastViT `network` list for 4-stage MCi: what each index holds in timm terms. */
const NETWORK: readonly string[] = [
  'stages.0.blocks', 'stages.1.downsample', 'stages.1.blocks', 'stages.2.downsample', 'stages.2.blocks',
  'stages.3.downsample', 'stages.3.pos_emb', 'stages.3.blocks',
];

/** Keys of CLIP checkpoints that are not the image tower's (open_clip, ml-mobileclip). */
const NOT_IMAGE = /^(visual\.|image_encoder\.|text_encoder\.|text\.|transformer\.|token_embedding|positional_embedding|ln_final|text_projection|logit_)/;

function fromMobileClip(k: string): string {
  for (const [re, to] of RENAMES) k = k.replace(re, to);
  const m = /^network\.(\d+)\.(.*)$/.exec(k);
  if (!m) return k;
  const base = NETWORK[Number(m[1])];
  if (!base) throw new Error(`mciKeyFromForeign: network index ${m[1]} is beyond a 4-stage MCi (${k})`);
  if (base.endsWith('.pos_emb')) return `${base}.${m[2]!.replace(/^pe\./, 'pos_enc.')}`;
  return `${base}.${m[2]}`;
}

/**
 * The MciTower key for a key of a timm, open_clip or ml-mobileclip checkpoint, or null for keys
 * that are not the image tower's (text tower, logit scale). ml-mobileclip's head.proj maps to
 * head.fc.weight but needs transposing: use mciStateDictFromForeign for whole state dicts.
 * @example mciKeyFromForeign('visual.trunk.stem.0.conv_kxk.0.conv.weight') // 'stem.0.conv_kxk.0.conv.weight'
 */
export function mciKeyFromForeign(key: string): string | null {
  let k = key.replace(/^module\./, '');
  if (k.startsWith('visual.trunk.')) return k.slice('visual.trunk.'.length);
  if (k.startsWith('image_encoder.model.')) k = k.slice('image_encoder.model.'.length);
  else if (NOT_IMAGE.test(k)) return null;
  if (k === 'head.proj') return 'head.fc.weight';
  return /^(patch_embed|network|conv_exp)\./.test(k) ? fromMobileClip(k) : k;
}

/**
 * A state dict keyed for MciTower.loadStateDict from a timm, open_clip or ml-mobileclip one
 * (values shared, except ml-mobileclip's transposed projection and its new zero bias).
 */
export function mciStateDictFromForeign(sd: Map<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, v] of sd) {
    const mapped = mciKeyFromForeign(k);
    if (mapped === null) continue;
    const isProj = /(^|\.)head\.proj$/.test(k);
    if (out.has(mapped)) throw new Error(`mciStateDictFromForeign: two checkpoint keys map to '${mapped}' (second: '${k}')`);
    if (isProj) {
      noGrad(() => {
        out.set(mapped, v.transpose(0, 1).contiguous());
        out.set('head.fc.bias', zeros([v.size(1)], { dtype: v.dtype, device: v.device }));
      });
    } else {
      out.set(mapped, v);
    }
  }
  return out;
}
