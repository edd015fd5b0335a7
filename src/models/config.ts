// Architecture configs in open_clip's JSON schema (embed_dim, vision_cfg, text_cfg, ...). The
// folder model_configs/ is the registry. Validation is strict: an unknown key is an error naming
// the key and the file; a known open_clip key that zooclip does not implement is an error too
// unless it has open_clip's default value.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDefaultPreprocess, parsePreprocessCfg, type PreprocessCfg } from './preprocess.js';

export interface VisionCfg {
  image_size: number;
  layers: number;
  width: number;
  head_width: number;
  mlp_ratio: number;
  patch_size: number;
  /**
   * zooclip extension (open_clip has no such key): channels of 3x3 stride-2 conv + BN + ReLU layers
   * in front of the patch embedding (an early-convolution stem); conv1 then embeds patches of
   * patch_size / 2^layers on the stem's map, so tokens still cover patch_size pixels. null: plain patchify.
   */
  conv_stem: number[] | null;
  ls_init_value: number | null;
  no_ln_pre: boolean;
  final_ln_after_pool: boolean;
  pool_type: 'tok' | 'avg';
  timm_model_name: string | null;
  timm_model_pretrained: boolean;
  timm_pool: string;
  timm_proj: string | null;
  timm_proj_bias: boolean;
  timm_drop: number;
  timm_drop_path: number;
}

export interface TextCfg {
  context_length: number;
  vocab_size: number;
  width: number;
  heads: number;
  layers: number;
  mlp_ratio: number;
  ls_init_value: number | null;
  pad_id: number;
  no_causal_mask: boolean;
  pool_type: 'argmax' | 'last' | 'first';
}

export interface ClipCfg {
  embed_dim: number;
  vision_cfg: VisionCfg;
  text_cfg: TextCfg;
  quick_gelu: boolean;
  custom_text: boolean;
  init_logit_scale: number;
  init_logit_bias: number | null;
  /** How images are resized and normalised for this model (zooclip extension of the schema; open_clip keeps it beside model_cfg). */
  preprocess_cfg: PreprocessCfg;
}

type Spec<T> = { [K in keyof T]: T[K] } & Record<string, unknown>;
const VISION_DEFAULTS: Spec<VisionCfg> = {
  image_size: 224, layers: 12, width: 768, head_width: 64, mlp_ratio: 4, patch_size: 16, conv_stem: null, ls_init_value: null, no_ln_pre: false,
  final_ln_after_pool: false, pool_type: 'tok', timm_model_name: null, timm_model_pretrained: false, timm_pool: 'avg', timm_proj: 'linear',
  timm_proj_bias: false, timm_drop: 0, timm_drop_path: 0,
};
const TEXT_DEFAULTS: Spec<TextCfg> = {
  context_length: 77, vocab_size: 49408, width: 512, heads: 8, layers: 12, mlp_ratio: 4, ls_init_value: null, pad_id: 0,
  no_causal_mask: false, pool_type: 'argmax',
};
/** open_clip keys zooclip knows but does not implement, with the only value it accepts. */
const VISION_UNSUPPORTED: Record<string, unknown> = {
  patch_dropout: 0, attentional_pool: false, attn_pooler_queries: 256, attn_pooler_heads: 8, pos_embed_type: 'learnable',
  output_tokens: false, act_kwargs: null, norm_kwargs: null,
};
const TEXT_UNSUPPORTED: Record<string, unknown> = {
  hf_tokenizer_name: null, tokenizer_kwargs: null, embed_cls: false, final_ln_after_pool: false, proj_bias: false,
  proj_type: 'linear', output_tokens: false, act_kwargs: null, norm_kwargs: null, hf_model_name: null, hf_model_pretrained: true,
  hf_proj_type: 'mlp', hf_pooler_type: 'mean_pooler',
};
const TOP_UNSUPPORTED: Record<string, unknown> = { cast_dtype: null, multimodal_cfg: null };

function fill<T extends object>(raw: Record<string, unknown>, defaults: T & Record<string, unknown>, unsupported: Record<string, unknown>, where: string): T {
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(raw)) {
    if (k in defaults) {
      const d = (defaults as Record<string, unknown>)[k];
      if (d !== null && v !== null && typeof d !== typeof v) throw new Error(`${where}.${k}: expected a ${typeof d}, got ${JSON.stringify(v)}`);
      out[k] = v;
    } else if (k in unsupported) {
      if (v !== null && v !== unsupported[k] && !(k === 'tokenizer_kwargs' && typeof v === 'object')) {
        throw new Error(`${where}.${k} = ${JSON.stringify(v)} is an open_clip option zooclip does not implement`);
      }
    } else {
      throw new Error(`${where}: unknown key '${k}'`);
    }
  }
  return out as T;
}

function checkConvStem(v: VisionCfg, where: string): void {
  const stem = v.conv_stem;
  if (stem === null) return;
  const at = `${where}: vision_cfg.conv_stem`;
  if (v.timm_model_name) throw new Error(`${at} is for the ViT tower; a timm tower ('${v.timm_model_name}') has its own stem`);
  if (!Array.isArray(stem) || !stem.length || !stem.every((c) => Number.isInteger(c) && c > 0)) throw new Error(`${at} must be a non-empty list of positive channel counts, got ${JSON.stringify(stem)}`);
  if (v.patch_size % 2 ** stem.length !== 0) throw new Error(`${at}: ${stem.length} stride-2 layers do not divide patch_size ${v.patch_size}`);
}

/**
 * Validates a raw config object (`where` names its source in errors).
 * @example const cfg = parseClipConfig(JSON.parse(readFileSync('my-model.json', 'utf8')), 'my-model.json');
 */
export function parseClipConfig(raw: unknown, where = 'config'): ClipCfg {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where}: expected a JSON object`);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!['embed_dim', 'vision_cfg', 'text_cfg', 'quick_gelu', 'custom_text', 'init_logit_scale', 'init_logit_bias', 'preprocess_cfg'].includes(k) && !(k in TOP_UNSUPPORTED)) {
      throw new Error(`${where}: unknown key '${k}'`);
    }
    if (k in TOP_UNSUPPORTED && r[k] !== null && r[k] !== TOP_UNSUPPORTED[k]) throw new Error(`${where}.${k} is an open_clip option zooclip does not implement`);
  }
  if (typeof r.embed_dim !== 'number' || r.embed_dim <= 0) throw new Error(`${where}: embed_dim must be a positive number`);
  const vision = fill((r.vision_cfg ?? {}) as Record<string, unknown>, VISION_DEFAULTS, VISION_UNSUPPORTED, `${where}: vision_cfg`);
  const text = fill((r.text_cfg ?? {}) as Record<string, unknown>, TEXT_DEFAULTS, TEXT_UNSUPPORTED, `${where}: text_cfg`);
  if (!vision.timm_model_name && vision.width % vision.head_width !== 0) throw new Error(`${where}: vision_cfg.width ${vision.width} is not a multiple of head_width ${vision.head_width}`);
  if (!vision.timm_model_name && vision.image_size % vision.patch_size !== 0) throw new Error(`${where}: vision_cfg.image_size ${vision.image_size} is not a multiple of patch_size ${vision.patch_size}`);
  checkConvStem(vision, where);
  if (text.width % text.heads !== 0) throw new Error(`${where}: text_cfg.width ${text.width} is not a multiple of heads ${text.heads}`);
  if (vision.timm_model_name && !/^(fastvit_mci[012]|zooclip_mci_tiny)$/.test(vision.timm_model_name)) {
    throw new Error(`${where}: vision_cfg.timm_model_name '${vision.timm_model_name}' is not built in (fastvit_mci0/1/2 and zooclip_mci_tiny are)`);
  }
  return {
    embed_dim: r.embed_dim, vision_cfg: vision, text_cfg: text, quick_gelu: (r.quick_gelu as boolean) ?? false,
    custom_text: (r.custom_text as boolean) ?? false, init_logit_scale: (r.init_logit_scale as number) ?? Math.log(1 / 0.07),
    init_logit_bias: (r.init_logit_bias as number | null) ?? null,
    preprocess_cfg: parsePreprocessCfg(r.preprocess_cfg, vision.image_size, `${where}: preprocess_cfg`),
  };
}

const CONFIG_DIR = join(dirname(fileURLToPath(import.meta.url)), 'model_configs');
function configDir(): string {
  // Compiled code runs from dist/src/models; the JSON files stay in src/models/model_configs.
  if (existsSync(CONFIG_DIR)) return CONFIG_DIR;
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'models', 'model_configs');
}

/**
 * Names of the built-in architectures (the JSON files in model_configs/).
 * @example listModels() // ['MobileCLIP-S0', ..., 'ViT-B-16', ..., 'zooclip-tiny']
 */
export function listModels(): string[] {
  return readdirSync(configDir()).filter((f) => f.endsWith('.json')).map((f) => basename(f, '.json')).sort();
}

/**
 * A built-in architecture by name, or a config JSON file by path.
 * @example getModelConfig('ViT-B-16').vision_cfg.patch_size // 16
 */
export function getModelConfig(nameOrPath: string): ClipCfg {
  const path = nameOrPath.endsWith('.json') ? nameOrPath : join(configDir(), `${nameOrPath}.json`);
  if (!existsSync(path)) throw new Error(`unknown model '${nameOrPath}' (built in: ${listModels().join(', ')})`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return parseClipConfig(raw, path);
}

/**
 * The config back in open_clip's JSON form (defaults omitted where open_clip has the same). With
 * `openClip` the zooclip-only preprocess_cfg key is left out (open_clip keeps it beside model_cfg).
 * @example toOpenClipJson(getModelConfig('ViT-B-32'), { openClip: true }).embed_dim // 512
 */
export function toOpenClipJson(cfg: ClipCfg, opts: { openClip?: boolean } = {}): Record<string, unknown> {
  const strip = (o: object, d: object) => Object.fromEntries(Object.entries(o).filter(([k, v]) => JSON.stringify((d as Record<string, unknown>)[k]) !== JSON.stringify(v)));
  const vision = cfg.vision_cfg.timm_model_name
    ? { ...strip(cfg.vision_cfg, VISION_DEFAULTS), timm_model_name: cfg.vision_cfg.timm_model_name, timm_pool: cfg.vision_cfg.timm_pool, timm_proj: cfg.vision_cfg.timm_proj, image_size: cfg.vision_cfg.image_size }
    : { ...strip(cfg.vision_cfg, VISION_DEFAULTS), image_size: cfg.vision_cfg.image_size, layers: cfg.vision_cfg.layers, width: cfg.vision_cfg.width, patch_size: cfg.vision_cfg.patch_size };
  const out: Record<string, unknown> = { embed_dim: cfg.embed_dim, vision_cfg: vision, text_cfg: { ...cfg.text_cfg } };
  if (!opts.openClip && !isDefaultPreprocess(cfg.preprocess_cfg)) out.preprocess_cfg = cfg.preprocess_cfg;
  if (cfg.quick_gelu) out.quick_gelu = true;
  if (cfg.custom_text) out.custom_text = true;
  if (cfg.init_logit_bias !== null) out.init_logit_bias = cfg.init_logit_bias;
  return out;
}
