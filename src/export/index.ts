// ONNX export from the module tree (issue #14): emitters per module kind, the CLIP graphs, files.
export { type EmitContext, type Emitter, childOf, emitChild, emitModule, keyOf, param, registerEmitter } from './emit.js';
export { registerBuiltinEmitters } from './builtins.js';
export { emitTextTower } from './text_emitter.js';
export { CLIP_GRAPHS, type ClipGraphName, type ExportedGraph, clipGraph, exportClipOnnx, textGraph, visionGraph } from './clip_graphs.js';
export { registerMciEmitters } from './mci_emitters.js';
export { adaptivePoolNode, l2NormalizeNode, resizeNode, spatialMeanNode } from './map_ops.js';
