// Entry point of the native addon: registers the op dispatcher and the tensor plumbing. It runs
// once in every JS environment that loads the addon (the main thread and each worker thread) and
// changes no process-wide setting (threads, allocator): configureRuntime() in
// src/engine/runtime.ts does that when a program asks for it.
#include "checkpoint.h"
#include "dispatch.h"
#include "dist_c10d.h"
#include "env_state.h"
#ifndef ZOOCLIP_NO_IMAGE
#include "image_napi.h"
#endif
#include "napi_util.h"
#include "optim.h"
#include "runtime.h"
#include "tensor_fns.h"

namespace zc {

static napi_value init(napi_env env, napi_value exports) {
  return guarded(env, "zooclip addon init", [&] {
    init_env_state(env);
    export_fn(env, exports, "findOp", js_find_op);
    export_fn(env, exports, "opSchema", js_op_schema);
    export_fn(env, exports, "call", js_call);
    export_fn(env, exports, "callInplace", js_call_inplace);
    register_tensor_fns(env, exports);
    register_runtime(env, exports);
    register_optim(env, exports);
    register_checkpoint(env, exports);
    register_dist(env, exports);
#ifndef ZOOCLIP_NO_IMAGE
    register_image(env, exports);
#endif
    return exports;
  });
}

}  // namespace zc

NAPI_MODULE(NODE_GYP_MODULE_NAME, zc::init)
