// The CoCa-style captioner zooclip trains itself: config, model, decoding and its folder format.
export { CAPTIONER_PRESETS, getCaptionerConfig, parseCaptionerConfig, type CaptionerCfg, type DecoderCfg } from './config.js';
export { CoCaCaptioner, END_TOKEN, PAD_TOKEN, START_TOKEN, type CaptionerLoss, type ImageFeatures } from './model.js';
export { TextDecoder, DecoderLayer, type KvCache, type ImageKv } from './decoder.js';
export { captionerSession, type DecodeSession } from './session.js';
export { beamDecode, greedyDecode, nucleusPick, sampleDecode, sessionStep, type BeamDecodeOptions, type SampleDecodeOptions } from './generation.js';
export { generateCaptions, type GenerateOptions } from './generate.js';
export { loadCaptioner, saveCaptioner, CAPTIONER_CONFIG_FILE, CAPTIONER_WEIGHTS_FILE } from './io.js';
