// zooclip's ONNX writer: graph construction (OnnxGraph), tensor data and the ModelProto encoding
// (protobufjs on the vendored onnx.proto), and graph passes (float16, 8-bit weights, external data).
// It knows ONNX and tensors, nothing about models.
export { OnnxGraph, type Attr, type Dim, type ValueType } from './graph.js';
export { DEFAULT_OPSET, encodeOnnxModel, irVersionFor, writeOnnxFiles, writeOnnxModel, type OnnxModelOptions, type WrittenOnnx } from './model.js';
export { decodeModelProto, encodeModelProto, onnxProtoPath, onnxType } from './proto.js';
export { ONNX_ELEM_TYPE, float32Data, int64Data, tensorDataOf, tensorProto, type ElemType, type TensorData } from './tensor.js';
export {
  DT, castNode, consumersOf, graphProtoOf, inferElemTypes, intAttr, nameSource, nodeProto, withoutDeadCode,
  type AttributeProto, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto,
} from './graph_proto.js';
export { FLOAT32_OPS, float16Bits, float32BytesToFloat16, toFloat16, type Float16Options } from './float16.js';
export { countIntegerMatMuls, quantizeColumns, quantizeMatMulWeights, type QuantizeOptions, type WeightType } from './quantize.js';
export { splitExternalData, type ExternalDataMode, type ExternalDataOptions, type SplitGraph } from './external.js';
