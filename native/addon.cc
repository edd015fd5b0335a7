// Entry point of the native addon: registers the op dispatcher and the tensor plumbing.
#include <mutex>
#include "checkpoint.h"
#include "dispatch.h"
#include "dist_c10d.h"
#ifndef ZOOCLIP_NO_IMAGE
#include "image_napi.h"
#endif
#include "napi_util.h"
#include "optim.h"
#include "runtime.h"
#include "tensor_fns.h"

namespace zc {

static napi_value init(napi_env env, napi_value exports) {
  // Worker threads load the addon again; libtorch's process-wide settings (thread pool, malloc)
  // must be applied once, or a worker would rebuild the pool under the main thread's ops.
  static std::once_flag once;
  std::call_once(once, init_runtime);
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
}

}  // namespace zc

NAPI_MODULE(NODE_GYP_MODULE_NAME, zc::init)
