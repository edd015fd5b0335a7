// The data loader: native decode (JPEG/PNG/WebP), augmentation in worker threads, batches as tensors.
export { Loader, countsLine, type DataCounts, type LoaderOptions, type LoaderState, type SkipInfo } from './loader.js';
export { type Batch, teacherText } from './collate.js';
export { mapBoxes, parseDetJson, unpackBoxes, type PackedBoxes } from './det_labels.js';
export { teacherRows, type TeacherRows } from './teacher.js';
export { memorySource, filesSource, shardSource } from './sources.js';
export type { RawSample, SampleSource, SourceContext, RankSplit } from './stream.js';
export { type DenseKind, type ReplayMode, SEG_IGNORE } from './transform.js';
export { renderView, storedViewPlan } from './view.js';
export { type AugmentConfig, type JitterConfig, DEFAULT_AUGMENT, OPENAI_MEAN, OPENAI_STD, randomResizedCrop, centerCropBox, denormalize } from './augment.js';
export type { CaptionConfig, CaptionMode } from './captions.js';
export { Rng, mixSeed } from './rng.js';
export { RAND_AUGMENT_OPS, DEFAULT_RAND_AUGMENT, type RandAugmentConfig, type RandAugmentOp, type RandAugmentStep, applyRandAugment, magnitudeTable, resolveRandAugment, sampleRandAugment } from './rand_augment.js';
export { decodeImage, decodeCropResize, imageInfo, colorJitter, encodeJpeg, encodePng, DEFAULT_MAX_PIXELS, type CropBox, type DecodedImage, type Filter } from './decode.js';
