// The synthetic world: scene sampling, ray-cast rendering with exact labels, captions at two
// qualities, WebDataset encoding, and an ordered worker pool.
export * from './world.js';
export { makeRng, sampleSeed, hashString, type Rng } from './rng.js';
export { sampleScene, allVisible, type SampleOptions } from './sample.js';
export { renderScene, type Rendered } from './render.js';
export { cameraBasis, toCamera, projectNdc, type CameraBasis } from './camera.js';
export { boxesFromInstances, mainObject, visiblePixels, type Box } from './labels.js';
export { deriveRelations, leftToRight, viewPositions } from './relations.js';
export { qualityCaption, qualityCaptions } from './caption_quality.js';
export { webCaption, WEB_RATES, type WebCaption, type WebMention } from './caption_web.js';
export { canonicalWord } from './caption_words.js';
export { makeSample, sampleKey, type SampleSpec, type SynthSample } from './make_sample.js';
export { describeScene, type SceneDescription } from './describe.js';
export { encodeSample, encodeRgb, encodeGray8, encodeDepth, encodeNormals, DEPTH_SCALE, type Fields, type EncodeOptions, type EncodedSample } from './encode.js';
export { runJob, type SynthJob, type SynthResult, type TaskLabels } from './job.js';
export { SynthPool } from './pool.js';
