#pragma once
#include <node_api.h>
namespace zc { void register_optim(napi_env env, napi_value exports); }
