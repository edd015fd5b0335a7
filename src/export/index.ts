// ONNX export from the module tree (issue #14): emitters per module kind, the CLIP graphs, files.
export { type EmitContext, type Emitter, childOf, emitChild, emitModule, keyOf, param, registerEmitter } from './emit.js';
export { registerBuiltinEmitters } from './builtins.js';
export { emitTextTower } from './text_emitter.js';
export { CLIP_GRAPHS, type ClipExportOptions, type ClipGraphName, type ExportedGraph, clipGraph, exportClipOnnx, textGraph, visionGraph } from './clip_graphs.js';
export { emitVitMaps } from './vit_emitter.js';
export { emitMciMaps, registerMciEmitters } from './mci_emitters.js';
export { adaptivePoolNode, l2NormalizeNode, resizeNode, spatialMeanNode } from './map_ops.js';
export { emitDenseHead, type HeadSizes, type HeadValues } from './head_emitters.js';
export {
  type DenseExportFile, type DenseHeadSource, type PixelNorm, clipHeadSources, expertHeadSource, exportDenseOnnx, featuresName, headGraph, headSpecOf, imageFeaturesGraph,
} from './dense_graphs.js';
export { HEAD_SPEC_FORMAT, HEAD_SPEC_VERSION, parseHeadSpec, type HeadDecode, type HeadSpecInput, type HeadSpecJson, type HeadSpecOutput } from './head_spec.js';
export { decodeDepth, decodeDetections, decodeHeadOutputs, decodeNormals, decodeSeg, type FlatTensor, type HeadResult } from './head_decode.js';
export { decodeHeadTensors } from './head_tensors.js';
export { DTYPE_SUFFIX, ONNX_DTYPES, type OnnxDtype, dtypeFile, externalDataFormat, graphInDtype, parseDtypes } from './dtypes.js';
export { DECIDED_MARGIN, DEFAULT_BOUNDS, type ClipVerification, type DtypeBounds, type DtypeVerification, type TowerCheck, type VerifyOptions, type ZeroShotSet, formatVerification, verifyClipOnnx, zeroShot } from './verify.js';
