#pragma once
#include <node_api.h>
#include <cstdint>
#include <string>

namespace zc {
// Resolves an operator in this environment's op table; -1 when libtorch has no such schema.
int64_t find_op(napi_env env, const std::string& name, const std::string& overload);
napi_value js_call(napi_env env, napi_callback_info info);
napi_value js_call_inplace(napi_env env, napi_callback_info info);
napi_value js_find_op(napi_env env, napi_callback_info info);
napi_value js_op_schema(napi_env env, napi_callback_info info);
}  // namespace zc
