#pragma once
#include <node_api.h>
#include <cstdint>
#include <string>

namespace zc {
int64_t find_op(const std::string& name, const std::string& overload);
napi_value js_call(napi_env env, napi_callback_info info);
napi_value js_call_inplace(napi_env env, napi_callback_info info);
napi_value js_find_op(napi_env env, napi_callback_info info);
napi_value js_op_schema(napi_env env, napi_callback_info info);
}  // namespace zc
