// The model factories a library user starts from, as open_clip's create_model_and_transforms:
// a CLIP together with the preprocessing and tokenizer that belong to it.
import type { Tensor } from '../engine/index.js';
import { createModel, type CLIP } from '../models/clip.js';
import type { ClipCfg } from '../models/config.js';
import type { PreprocessCfg } from '../models/preprocess.js';
import { preprocessImages, type PreprocessOptions } from '../data/loader/preprocess.js';
import type { Bytes } from '../data/loader/decode.js';
import { tokenize } from '../tokenizer/index.js';
import { loadModelForEval, type LoadedModel, type LoadModelOptions } from '../eval/load_model.js';

/** A model with the transforms that belong to it. */
export interface ModelBundle {
  model: CLIP;
  /** Encoded images (JPEG/PNG/WebP bytes) -> a normalised [N, 3, S, S] batch for model.encodeImage, on the model's device unless `o.device` says otherwise. */
  preprocess: (images: readonly Bytes[], o?: PreprocessOptions) => Tensor;
  /** The model's preprocess config (size, mean, std, filter, resize mode). */
  preprocessCfg: PreprocessCfg;
  /** Texts -> [N, context_length] int64 token ids for model.encodeText, on the model's device. */
  tokenizer: (texts: string | readonly string[]) => Tensor;
}

/** What loadModel found, besides the bundle. */
export type LoadedBundle = ModelBundle & { source: Omit<LoadedModel, 'model'> };

/** `t` on `device` (t itself on the CPU; else a copy, t disposed). */
function onDevice(t: Tensor, device: string): Tensor {
  if (device === 'cpu') return t;
  try {
    return t.to(device);
  } finally {
    t.dispose();
  }
}

function bundle(model: CLIP): ModelBundle {
  const pp = model.cfg.preprocess_cfg, ctx = model.cfg.text_cfg.context_length;
  // The model may move after the bundle is made: its device is read at each call.
  const device = (): string => model.logit_scale.device;
  return {
    model, preprocessCfg: pp,
    preprocess: (images, o) => preprocessImages(images, pp, { device: device(), ...o }),
    tokenizer: (texts) => onDevice(tokenize(texts, ctx), device()),
  };
}

/**
 * A freshly initialised CLIP (a built-in name, a config JSON path or a config object) with its
 * preprocessing and tokenizer.
 * @example
 * import { createModelAndTransforms, manualSeed } from 'zooclip';
 * manualSeed(0);
 * const { model, preprocess, tokenizer } = createModelAndTransforms('zooclip-tiny');
 */
export function createModelAndTransforms(spec: string | ClipCfg | Record<string, unknown>): ModelBundle {
  return bundle(createModel(spec));
}

/**
 * Loads a model, in eval mode, with its preprocessing and tokenizer from: a zooclip training
 * checkpoint folder (EMA weights when saved), a run folder (its newest checkpoint), an open_clip
 * folder (open_clip_config.json + open_clip_model.safetensors, e.g. from saveOpenClip), or a
 * built-in name / config path (random init). Files only: nothing is fetched. An MCi image tower
 * comes folded for inference (`reparameterize: false` keeps the training-time branches, e.g. to
 * save or train it again).
 * @example
 * import { loadModel, noGrad } from 'zooclip';
 * const { model, preprocess, tokenizer } = loadModel('runs/train');
 * const img = noGrad(() => model.encodeImage(preprocess([jpegBytes]), true));
 * const txt = noGrad(() => model.encodeText(tokenizer(['a red cube']), true));
 */
export function loadModel(spec: string, o: LoadModelOptions = {}): LoadedBundle {
  const { model, ...source } = loadModelForEval(spec, o);
  return { ...bundle(model), source };
}
