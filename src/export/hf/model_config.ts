// config.json of a model folder: Hugging Face's CLIPConfig (model_type "clip", text_config,
// vision_config, projection_dim, logit_scale_init_value), which transformers.js reads to pick its
// CLIP classes. zooclip's own architecture config (open_clip's schema) rides along under
// "zooclip_config", so the folder says exactly what was exported (an MCi tower has no CLIP
// vision_config fields of its own beyond its size).
import { toOpenClipJson, type ClipCfg } from '../../models/config.js';

/** Layer-norm epsilon of zooclip's (and open_clip's) towers. */
const LAYER_NORM_EPS = 1e-5;

function visionConfig(cfg: ClipCfg, act: string): Record<string, unknown> {
  const v = cfg.vision_cfg;
  const common = { model_type: 'clip_vision_model', image_size: v.image_size, num_channels: 3, projection_dim: cfg.embed_dim };
  if (v.timm_model_name) return { ...common, zooclip_tower: v.timm_model_name };
  return {
    ...common, patch_size: v.patch_size, hidden_size: v.width, intermediate_size: Math.round(v.width * v.mlp_ratio),
    num_hidden_layers: v.layers, num_attention_heads: v.width / v.head_width, hidden_act: act, layer_norm_eps: LAYER_NORM_EPS,
  };
}

function textConfig(cfg: ClipCfg, act: string, ids: { bos: number; eos: number }): Record<string, unknown> {
  const t = cfg.text_cfg;
  return {
    model_type: 'clip_text_model', vocab_size: t.vocab_size, hidden_size: t.width, intermediate_size: Math.round(t.width * t.mlp_ratio),
    num_hidden_layers: t.layers, num_attention_heads: t.heads, max_position_embeddings: t.context_length, hidden_act: act,
    layer_norm_eps: LAYER_NORM_EPS, projection_dim: cfg.embed_dim, bos_token_id: ids.bos, eos_token_id: ids.eos, pad_token_id: t.pad_id,
  };
}

/**
 * The config.json object for a zooclip CLIP. `ids` are the tokenizer's start and end token ids.
 * @example
 * const c = clipHfConfig(getModelConfig('ViT-B-16'), { bos: 49406, eos: 49407 });
 * c.model_type;                        // 'clip'
 * (c.vision_config as any).patch_size; // 16
 */
export function clipHfConfig(cfg: ClipCfg, ids: { bos: number; eos: number }): Record<string, unknown> {
  const act = cfg.quick_gelu ? 'quick_gelu' : 'gelu';
  return {
    architectures: ['CLIPModel'],
    model_type: 'clip',
    projection_dim: cfg.embed_dim,
    logit_scale_init_value: cfg.init_logit_scale,
    initializer_factor: 1.0,
    text_config: textConfig(cfg, act, ids),
    vision_config: visionConfig(cfg, act),
    torch_dtype: 'float32',
    zooclip_config: toOpenClipJson(cfg),
  };
}
