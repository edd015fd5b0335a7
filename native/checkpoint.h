#pragma once
#include <node_api.h>
#include <torch/csrc/autograd/variable.h>

namespace zc {
// Runs autograd's backward. When checkpointed segments may run on autograd's device threads
// (CUDA), the engine runs on a helper thread while this (the JS) thread serves their recompute
// requests, since JS can only run here.
void run_backward(napi_env env, const torch::autograd::variable_list& outs,
                  const torch::autograd::variable_list& grads, bool retain_graph);
void register_checkpoint(napi_env env, napi_value exports);
}  // namespace zc
