// What one JS environment (the main thread, or one worker thread) owns in the addon. Node-API
// gives every environment its own instance data, so a worker that loads the addon gets its own
// handle table and op table: handle 3 in a worker never names the main thread's handle 3, and a
// worker's tensors are freed when the worker exits. Each environment runs on one thread, so none
// of this needs a lock.
#pragma once
#include <node_api.h>
#include <memory>
#include "handles.h"

namespace zc {

struct OpTable;         // dispatch.cc: the operators this environment resolved with findOp
struct CheckpointHost;  // checkpoint.cc: this environment's recompute callback and task queue

struct EnvState {
  Handles handles;
  std::shared_ptr<OpTable> ops;
  std::shared_ptr<CheckpointHost> checkpoint;
};

// Creates this environment's state (once; a second load in the same environment keeps it) and
// frees it, tensors included, when the environment is torn down.
void init_env_state(napi_env env);

// This environment's state; throws a JsError if the addon's init did not run in it.
EnvState& env_state(napi_env env);

// This environment's handle table.
inline Handles& handles(napi_env env) { return env_state(env).handles; }

}  // namespace zc
