#pragma once
#include <node_api.h>
namespace zc { void register_tensor_fns(napi_env env, napi_value exports); }
