// The engine's public surface: tensors, ops, autograd, scopes, runtime settings.
import './methods.js';
export { Tensor, wrap, wrapList, liveTensors, liveBytes, leakedCount } from './tensor.js';
export { type DType, DTYPE_SIZE, isFloating } from './dtype.js';
export { tidy, keep, scopeDepth } from './scope.js';
export * from './creation.js';
export * from './ops/math.js';
export * from './ops/reduce.js';
export * from './ops/shape.js';
export * from './ops/nn.js';
export * from './ops/loss.js';
export { noGrad, enableGrad, isGradEnabled, backward, checkpoint, liveCheckpointSegments } from './autograd.js';
export * from './runtime.js';
export { op, optionalOp, type Reduction, type Dims } from './op.js';
export * from './ops/fused.js';
