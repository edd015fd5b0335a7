// The Hugging Face / transformers.js side of an export: the metadata files of a model folder.
export { METADATA_FILES, transformersJsMetadata, writeTransformersJsMetadata, type ConfigSource, type MetadataFile, type MetadataOptions } from './metadata.js';
export { clipHfConfig } from './model_config.js';
export { PIL_RESAMPLE, clipPreprocessorConfig } from './preprocessor_config.js';
export { HF_PRE_TOKEN_PATTERN, clipSpecialTokensMap, clipTokenizerConfig, clipTokenizerJson } from './tokenizer_json.js';
export { NUMERIC_REF_RANGES, clipCleanNormalizer, type NormalizerStep } from './tokenizer_normalizer.js';
