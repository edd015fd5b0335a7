// Node-API surface of the image functions. Everything registered by register_image except the
// batch builders is pure (bytes in, new ArrayBuffer out) and may be called from worker threads;
// the batch builders (image_batch.cc) make tensor handles, in the calling thread's own table.
#pragma once
#include <node_api.h>
#include <cstddef>
#include <cstdint>

namespace zc {

// A view of the bytes of a Buffer, typed array, DataView or ArrayBuffer argument.
struct Bytes {
  uint8_t* data = nullptr;
  size_t len = 0;
  size_t element = 1;  // element size of a typed array (1 otherwise)
};
Bytes get_bytes(napi_env env, napi_value v, const char* what);

void register_image(napi_env env, napi_value exports);
void register_image_batch(napi_env env, napi_value exports);

}  // namespace zc
