// ONNX export from the module tree (issue #14): emitters per module kind, the CLIP graphs, files.
export { type EmitContext, type Emitter, childOf, emitChild, emitModule, keyOf, param, registerEmitter } from './emit.js';
export { registerBuiltinEmitters } from './builtins.js';
export { emitTextTower } from './text_emitter.js';
export { CLIP_GRAPHS, type ClipExportOptions, type ClipGraphName, type ExportedGraph, clipGraph, exportClipOnnx, textGraph, visionGraph } from './clip_graphs.js';
export { DTYPE_SUFFIX, ONNX_DTYPES, type OnnxDtype, dtypeFile, externalDataFormat, graphInDtype, parseDtypes } from './dtypes.js';
export { DEFAULT_BOUNDS, type ClipVerification, type DtypeBounds, type DtypeVerification, type TowerCheck, type VerifyOptions, type ZeroShotSet, formatVerification, verifyClipOnnx, zeroShot } from './verify.js';
