// Dense-prediction heads that read an image tower's forwardIntermediates maps.
export { resolveLevel, pickLevel, resizeTo, type DenseMapHead, type ImageSize } from './common.js';
export { ConvBnRelu } from '../../nn/layers.js';
export { LinearSegHead, type LinearSegOptions } from './linear_seg.js';
export { PyramidSegHead, type PyramidSegOptions } from './psp_seg.js';
export { DepthHead, type DepthHeadOptions } from './depth.js';
export { NormalsHead, type NormalsHeadOptions } from './normals.js';
export { CenterNetHead, type CenterNetOptions, type CenterNetOutput } from './centernet.js';
export { decodeCenterNet, type Box, type Detection, type DecodeOptions } from './centernet_decode.js';
export { centerNetTargets, gaussianRadius, type CenterNetTargets } from './centernet_targets.js';
export { DenseHeads, type DenseHeadSet, type DenseOutputs } from './dense_heads.js';
