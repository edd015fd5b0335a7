// Caption decoding for every captioner backend (libtorch, onnxruntime): the searches, the token
// choosers, and the one seeding of sampling by (seed, sample key, caption index).
export { argmaxRow, logSumExpRow, sampleTopP, tokenAt, type Logits } from './choose.js';
export {
  greedySearch, runSearch, runSearchAsync, sampleSearch,
  type AsyncStep, type SampleOptions, type Search, type SpecialTokens, type Step, type StepRequest, type Stopping, type Uniform,
} from './search.js';
export { beamSearch, type BeamOptions } from './beam.js';
export { captionRng, captionSearch, type DecodeOptions } from './captions.js';
