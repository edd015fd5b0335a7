#include "env_state.h"
#include "napi_util.h"

namespace zc {

static void free_env_state(napi_env, void* data, void*) {
  delete static_cast<EnvState*>(data);
}

void init_env_state(napi_env env) {
  void* data = nullptr;
  ZC_NAPI(env, napi_get_instance_data(env, &data));
  if (data) return;
  auto* state = new EnvState();
  napi_status st = napi_set_instance_data(env, state, free_env_state, nullptr);
  if (st != napi_ok) delete state;
  check_napi(env, st, "napi_set_instance_data");
}

EnvState& env_state(napi_env env) {
  void* data = nullptr;
  ZC_NAPI(env, napi_get_instance_data(env, &data));
  if (!data) throw JsError("zooclip: this JS environment has no addon state (the addon was not initialised in it)");
  return *static_cast<EnvState*>(data);
}

}  // namespace zc
