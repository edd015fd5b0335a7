// zooclip's public API: `import { ... } from 'zooclip'`. Everything a library user needs is
// re-exported here; files under dist/ are private (package.json's exports map names this file only).
// Importing this module loads the native addon (libtorch); the CLI's help does not.

// Models: create, load (with preprocessing and tokenizer), configs, open_clip folders.
export { createModelAndTransforms, loadModel, type ModelBundle, type LoadedBundle } from './api/model.js';
export { createModel, CLIP, registerImageTower } from './models/clip.js';
export { DenseHeads } from './models/heads/index.js';
export { listModels, getModelConfig, parseClipConfig, toOpenClipJson, type ClipCfg, type VisionCfg, type TextCfg } from './models/config.js';
export { OPENAI_MEAN, OPENAI_STD, parsePreprocessCfg, type PreprocessCfg } from './models/preprocess.js';
export { saveOpenClip, loadOpenClip, readCheckpointConfig } from './models/open_clip_folder.js';
export type { LoadModelOptions, LoadedModel } from './eval/load_model.js';
export { Module, type LoadOptions, type LoadReport } from './nn/module.js';

// Text.
export { tokenize, encode, decode, ClipTokenizer, DEFAULT_CONTEXT_LENGTH } from './tokenizer/index.js';

// The engine: tensors, scopes, ops, autograd, runtime settings.
export * from './engine/index.js';

// Files: safetensors, WebDataset shards, images.
export { loadSafetensors, saveSafetensors } from './io/safetensors.js';
export { readShards, ShardWriter, readManifest, verifyShards, tarsIn, SkipStats, type RawSample, type ShardWriterOptions, type ShardManifest, type SkipReason } from './data/shards/index.js';
export { decodeImage, imageInfo, encodeJpeg, encodePng, DEFAULT_MAX_PIXELS, type DecodedImage, type Bytes } from './data/loader/decode.js';
export { preprocessImages, type PreprocessOptions, type ImageTransform } from './data/loader/preprocess.js';

// Data loading.
export { Loader, countsLine, shardSource, memorySource, filesSource, type Batch, type LoaderOptions, type LoaderState, type DataCounts } from './data/loader/index.js';

// Optimisation.
export { AdamW, type AdamWHyper } from './optim/adamw.js';
export { SGD, type SGDHyper } from './optim/sgd.js';
export { Optimizer } from './optim/optimizer.js';
export { EMA } from './optim/ema.js';
export { clipGradNorm, gradsFinite } from './optim/clip_grad.js';
export { splitDecay } from './optim/param_groups.js';
export { warmupCosine, warmupConstant, warmupStep, applySchedule, type LrSchedule } from './optim/schedule.js';

// Losses.
export { clipLoss, siglipLoss, distillLoss, multiCaptionLoss, dataCompDRLoss, segmentationLoss, depthSILogLoss, normalsCosineLoss, centerNetLoss } from './losses/index.js';

// Training and evaluation: the one loop every trainer uses, CLIP pretraining on it, the dense-task table.
export { trainLoop, trainLoopSync, type TrainLoopSpec, type MicroLoss, type LoopResult } from './training/loop.js';
export { DENSE_TASKS, DENSE_TASK_NAMES, type DenseTaskName, type DenseTaskSpec } from './tasks/index.js';
export { runTrain, type TrainResult, type TrainHooks } from './stages/train/run.js';
export { resolveConfig as resolveTrainConfig, DEFAULT_CONFIG as DEFAULT_TRAIN_CONFIG, type TrainConfig } from './stages/train/config.js';
export { runEval, type EvalOptions, type EvalResult } from './eval/run.js';

// Typed task functions over either backend (libtorch, or onnxruntime on an exported folder).
export { loadTaskModel, embedImages, embedTexts, classify, segment, depth, normals, detect, type LoadTaskModelOptions, type LabelScore, type ClassifyOptions, type Segmentation, type Detection, type DenseOptions } from './api/tasks.js';
export { TaskModel, type TaskModelInfo, type BackendName } from './api/backend.js';
export { readImage, type ImageFile, type ImageInput, type RgbImage } from './api/image.js';
export type { DepthMap, NormalMap } from './tasks/outputs.js';
