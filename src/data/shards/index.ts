// WebDataset shards: read (streaming, rank-split, bad samples skipped and counted), write
// (atomic, deterministic, size-bounded, with a manifest), and npz teacher embeddings.
export { expandShardSpec, shardsForRank } from './spec.js';
export { tarsIn } from './folder.js';
export { readShards, type RawSample, type ReadShardsOptions } from './reader.js';
export { validateSample, isJsonField } from './validate.js';
export { SkipStats, type SkipInfo, type SkipReason } from './skips.js';
export { ShardWriter, shardName, type ShardWriterOptions, type FieldValue } from './writer.js';
export { readManifest, verifyShards, manifestPath, type ShardManifest, type ShardEntry, type VerifyReport } from './manifest.js';
export { isSafeMemberName, splitMemberName } from './names.js';
export { parsePaug, encodePaug, paugCropBox, PAUG_FILTER, type PaugEntry, type RrcParams } from './paug.js';
