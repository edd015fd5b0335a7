// Entry point of the native addon: registers the op dispatcher and the tensor plumbing.
#include "checkpoint.h"
#include "dispatch.h"
#include "napi_util.h"
#include "optim.h"
#include "runtime.h"
#include "tensor_fns.h"

namespace zc {

static napi_value init(napi_env env, napi_value exports) {
  init_runtime();
  export_fn(env, exports, "findOp", js_find_op);
  export_fn(env, exports, "opSchema", js_op_schema);
  export_fn(env, exports, "call", js_call);
  export_fn(env, exports, "callInplace", js_call_inplace);
  register_tensor_fns(env, exports);
  register_runtime(env, exports);
  register_optim(env, exports);
  register_checkpoint(env, exports);
  return exports;
}

}  // namespace zc

NAPI_MODULE(NODE_GYP_MODULE_NAME, zc::init)
