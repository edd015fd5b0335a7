// `zooclip serve`: the page (web/) and the JSON API over an exported model folder (docs/serve.md).
export { runServe } from './run.js';
export { startServer, type RunningServer, type ServeInfo, type ServeOptions } from './server.js';
export { readModelFolder, missingHead, missingHeads, SERVE_TASKS, type ModelFolder, type ServeTask, type ServePreprocess } from './model_folder.js';
export { openServeModels, classifyPixels, type ServeModels, type LabelScore } from './runner.js';
export { softmax, templateEnsembleLogits } from './zero_shot.js';
export { pixelValues, normalizeRgb, tokenBatch, vocabJson, folderVocab, type TokenBatch } from './inputs.js';
export { DEFAULT_TEMPLATES, MAX_DENSE_PIXELS, MAX_LABELS, MAX_TEMPLATES } from './api.js';
