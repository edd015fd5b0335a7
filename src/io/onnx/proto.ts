// ONNX's protobuf schema (the vendored onnx.proto, read once with protobufjs) and the encoding of a
// ModelProto given as a plain object (field names camelCased, as protobufjs names them).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * Where onnx.proto is: beside this file in src/, or in src/ when running compiled from dist/src/.
 * @example protobuf.loadSync(onnxProtoPath())
 */
export function onnxProtoPath(): string {
  const beside = join(HERE, 'onnx.proto');
  if (existsSync(beside)) return beside;
  const fromDist = join(HERE, '..', '..', '..', '..', 'src', 'io', 'onnx', 'onnx.proto');
  if (existsSync(fromDist)) return fromDist;
  throw new Error(`onnx.proto not found beside ${HERE} nor at ${fromDist}`);
}

let root: protobuf.Root | null = null;

/**
 * The message type `onnx.<name>` of the vendored schema (the schema is parsed on first use).
 * @example const model = onnxType('ModelProto').decode(bytes);
 */
export function onnxType(name: string): protobuf.Type {
  root ??= protobuf.loadSync(onnxProtoPath());
  return root.lookupType(`onnx.${name}`);
}

/**
 * Encodes a ModelProto given as a plain object, checked first with protobufjs's verify (a field of
 * the wrong type is an error naming it, rather than bytes that onnxruntime rejects later).
 * @example const bytes = encodeModelProto({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph });
 */
export function encodeModelProto(model: Record<string, unknown>): Uint8Array {
  const type = onnxType('ModelProto');
  const problem = type.verify(model);
  if (problem) throw new Error(`ONNX ModelProto: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

/**
 * Decodes ModelProto bytes into a plain object (int64 fields as numbers, bytes as Uint8Array).
 * @example const { graph } = decodeModelProto(readFileSync('vision_model.onnx'));
 */
export function decodeModelProto(bytes: Uint8Array): Record<string, unknown> {
  const type = onnxType('ModelProto');
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false, arrays: true }) as Record<string, unknown>;
}
