#pragma once
#include <node_api.h>
namespace zc {
void register_runtime(napi_env env, napi_value exports);
}  // namespace zc
