// The captioner's architecture config (captioner.json): an open_clip-style image tower
// (vision_cfg + embed_dim) and a transformer text decoder over CLIP's BPE vocabulary. Validation
// is strict, as for CLIP configs: an unknown key is an error naming it and the file.
import { existsSync, readFileSync } from 'node:fs';
import { parseClipConfig, type ClipCfg } from '../config.js';

/** The text decoder: causal self-attention, cross-attention over image tokens, MLP, per layer. */
export interface DecoderCfg {
  /** Token positions, start and end tokens included (generation makes at most context_length - 1 tokens). */
  context_length: number;
  /** Output classes: CLIP's BPE vocabulary (49408). */
  vocab_size: number;
  width: number;
  heads: number;
  /** Decoder layers with cross-attention. */
  layers: number;
  /** Text-only layers run before them (CoCa's unimodal decoder; the contrastive text embedding is read after them). */
  unimodal_layers: number;
  mlp_ratio: number;
  /** Output projection shares the token embedding's weights. */
  tie_embeddings: boolean;
  /**
   * The CLIP token ids the decoder can output (sorted, the end token included), or null for all
   * of them. Captions of one domain use a few hundred ids: projecting on those only makes the
   * output layer ~100x cheaper (`zooclip train-captioner` collects them from its training captions).
   */
  output_ids: number[] | null;
}

/** A captioner: image tower + decoder + loss weights. */
export interface CaptionerCfg {
  /** Size of the pooled image embedding and of the contrastive text embedding. */
  embed_dim: number;
  /** open_clip's vision_cfg (any zooclip image tower: ViT or a registered timm_model_name). */
  vision_cfg: ClipCfg['vision_cfg'];
  decoder_cfg: DecoderCfg;
  /** Weight of the captioning cross-entropy. */
  caption_loss_weight: number;
  /** Weight of CoCa's contrastive loss (0 = off; needs decoder_cfg.unimodal_layers >= 1). */
  contrastive_loss_weight: number;
}

const DECODER_DEFAULTS: DecoderCfg = {
  context_length: 32, vocab_size: 49408, width: 128, heads: 4, layers: 3, unimodal_layers: 1, mlp_ratio: 4, tie_embeddings: true, output_ids: null,
};
const END_ID = 49407;
const TOP_KEYS = ['embed_dim', 'vision_cfg', 'decoder_cfg', 'caption_loss_weight', 'contrastive_loss_weight'];

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkOutputIds(c: DecoderCfg, where: string): void {
  const ids = c.output_ids;
  if (ids === null) return;
  const ok = Array.isArray(ids) && ids.every((x, i) => Number.isInteger(x) && x >= 0 && x < c.vocab_size && (i === 0 || x > ids[i - 1]!));
  if (!ok) throw new Error(`${where}: decoder_cfg.output_ids must be null or increasing token ids in [0, ${c.vocab_size})`);
  if (!ids.includes(END_ID)) throw new Error(`${where}: decoder_cfg.output_ids must include the end token ${END_ID}`);
}

function parseDecoder(raw: unknown, where: string): DecoderCfg {
  if (raw !== undefined && !isObject(raw)) throw new Error(`${where}: decoder_cfg must be an object`);
  const out: Record<string, unknown> = { ...DECODER_DEFAULTS };
  for (const [k, v] of Object.entries(raw ?? {})) {
    if (!(k in DECODER_DEFAULTS)) throw new Error(`${where}: decoder_cfg: unknown key '${k}'`);
    const d = (DECODER_DEFAULTS as unknown as Record<string, unknown>)[k];
    if (k === 'output_ids') { out[k] = v; continue; }
    if (typeof v !== typeof d) throw new Error(`${where}: decoder_cfg.${k}: expected a ${typeof d}, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  const c = out as unknown as DecoderCfg;
  for (const k of ['context_length', 'vocab_size', 'width', 'heads', 'layers'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`${where}: decoder_cfg.${k} must be a positive integer, got ${c[k]}`);
  }
  if (!Number.isInteger(c.unimodal_layers) || c.unimodal_layers < 0) throw new Error(`${where}: decoder_cfg.unimodal_layers must be an integer >= 0`);
  if (c.width % c.heads !== 0) throw new Error(`${where}: decoder_cfg.width ${c.width} is not a multiple of heads ${c.heads}`);
  if (c.context_length < 2) throw new Error(`${where}: decoder_cfg.context_length must be at least 2 (start + end)`);
  if (c.vocab_size < 49408) throw new Error(`${where}: decoder_cfg.vocab_size ${c.vocab_size} cannot hold CLIP's BPE ids (49408)`);
  if (!(c.mlp_ratio > 0)) throw new Error(`${where}: decoder_cfg.mlp_ratio must be > 0`);
  checkOutputIds(c, where);
  return c;
}

/**
 * Validates a raw captioner config; `where` names its source in errors.
 * @example parseCaptionerConfig({ embed_dim: 64, vision_cfg: { image_size: 64, layers: 4, width: 128, patch_size: 8 } })
 */
export function parseCaptionerConfig(raw: unknown, where = 'captioner config'): CaptionerCfg {
  if (!isObject(raw)) throw new Error(`${where}: expected a JSON object`);
  for (const k of Object.keys(raw)) if (!TOP_KEYS.includes(k)) throw new Error(`${where}: unknown key '${k}'`);
  const clip = parseClipConfig({ embed_dim: raw.embed_dim, vision_cfg: raw.vision_cfg ?? {}, text_cfg: {} }, where);
  const decoder = parseDecoder(raw.decoder_cfg, where);
  const weight = (k: 'caption_loss_weight' | 'contrastive_loss_weight', d: number): number => {
    const v = raw[k] ?? d;
    if (typeof v !== 'number' || !(v >= 0)) throw new Error(`${where}: ${k} must be a number >= 0, got ${JSON.stringify(v)}`);
    return v;
  };
  const cfg: CaptionerCfg = {
    embed_dim: clip.embed_dim, vision_cfg: clip.vision_cfg, decoder_cfg: decoder,
    caption_loss_weight: weight('caption_loss_weight', 1), contrastive_loss_weight: weight('contrastive_loss_weight', 0),
  };
  if (cfg.contrastive_loss_weight > 0 && decoder.unimodal_layers < 1) {
    throw new Error(`${where}: contrastive_loss_weight > 0 needs decoder_cfg.unimodal_layers >= 1 (the text embedding must not see the image)`);
  }
  return cfg;
}

/** The CLIP config whose image tower the captioner builds (text_cfg unused). */
export function towerConfig(cfg: CaptionerCfg): ClipCfg {
  return parseClipConfig({ embed_dim: cfg.embed_dim, vision_cfg: cfg.vision_cfg, text_cfg: {} }, 'captioner');
}

/** Built-in sizes. `captioner-tiny` trains on 2 CPU cores in minutes at 64x64; `captioner-test` is for 32x32 unit tests. */
export const CAPTIONER_PRESETS: Record<string, unknown> = {
  'captioner-test': {
    embed_dim: 32,
    vision_cfg: { image_size: 32, layers: 1, width: 32, head_width: 16, patch_size: 8 },
    decoder_cfg: { context_length: 24, width: 32, heads: 2, layers: 1, unimodal_layers: 1, mlp_ratio: 2 },
    contrastive_loss_weight: 0.1,
  },
  'captioner-tiny': {
    embed_dim: 128,
    vision_cfg: { image_size: 64, layers: 4, width: 128, head_width: 32, patch_size: 8 },
    decoder_cfg: { context_length: 32, width: 128, heads: 4, layers: 3, unimodal_layers: 1, mlp_ratio: 4 },
    contrastive_loss_weight: 0.1,
  },
  'captioner-small': {
    embed_dim: 256,
    vision_cfg: { image_size: 64, layers: 6, width: 256, head_width: 64, patch_size: 8 },
    decoder_cfg: { context_length: 48, width: 256, heads: 4, layers: 4, unimodal_layers: 2, mlp_ratio: 4 },
    contrastive_loss_weight: 0.1,
  },
};

/**
 * A preset by name or a captioner config JSON file by path.
 * @example getCaptionerConfig('captioner-tiny').decoder_cfg.context_length // 32
 */
export function getCaptionerConfig(nameOrPath: string): CaptionerCfg {
  const preset = CAPTIONER_PRESETS[nameOrPath];
  if (preset) return parseCaptionerConfig(structuredClone(preset), `preset ${nameOrPath}`);
  if (!nameOrPath.endsWith('.json') || !existsSync(nameOrPath)) {
    throw new Error(`unknown captioner '${nameOrPath}' (presets: ${Object.keys(CAPTIONER_PRESETS).join(', ')}; or a .json config file)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(nameOrPath, 'utf8'));
  } catch (e) {
    throw new Error(`${nameOrPath}: not valid JSON (${(e as Error).message})`);
  }
  return parseCaptionerConfig(raw, nameOrPath);
}
