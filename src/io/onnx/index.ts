// zooclip's ONNX writer: graph construction (OnnxGraph), tensor data and the ModelProto encoding
// (protobufjs on the vendored onnx.proto). It knows ONNX and tensors, nothing about models.
export { OnnxGraph, type Attr, type Dim, type ValueType } from './graph.js';
export { DEFAULT_OPSET, encodeOnnxModel, irVersionFor, writeOnnxModel, type OnnxModelOptions } from './model.js';
export { decodeModelProto, encodeModelProto, onnxProtoPath, onnxType } from './proto.js';
export { ONNX_ELEM_TYPE, float32Data, int64Data, tensorDataOf, tensorProto, type ElemType, type TensorData } from './tensor.js';
