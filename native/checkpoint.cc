// Gradient checkpointing of a JS function: the forward runs without saving activations; in
// backward the JS function is called again (with the same random state, restored by the JS side)
// and backpropagated locally, the way PyTorch's reentrant checkpoint works.
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>
#include <ATen/ThreadLocalState.h>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include "checkpoint.h"
#include "handles.h"
#include "napi_util.h"

namespace zc {

namespace {

napi_env g_env = nullptr;
napi_ref g_recompute = nullptr;  // JS (token, inputHandles[]) -> outputHandles[]
std::thread::id g_main;
std::atomic<int64_t> g_live_nodes{0};

std::mutex g_dead_mu;
std::vector<int64_t> g_dead;  // tokens whose graph node is gone; JS drops their closures

// Work that must run on the JS thread, posted by autograd's device threads.
std::mutex g_task_mu;
std::condition_variable g_task_cv;
std::deque<std::function<void()>> g_tasks;

thread_local torch::autograd::variable_list t_pending_outputs;

// Calls the JS recompute callback; must run on the JS thread.
torch::autograd::variable_list call_recompute(int64_t token, const torch::autograd::variable_list& leaves) {
  napi_env env = g_env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  std::vector<int32_t> leaf_ids;
  napi_value arr;
  napi_create_array_with_length(env, leaves.size(), &arr);
  for (size_t i = 0; i < leaves.size(); ++i) {
    leaf_ids.push_back(handles().put(leaves[i]));
    napi_set_element(env, arr, i, make_int(env, leaf_ids.back()));
  }
  napi_value fn, recv, argv[2] = {make_int(env, token), arr}, result;
  napi_get_reference_value(env, g_recompute, &fn);
  napi_get_undefined(env, &recv);
  napi_status st = napi_call_function(env, recv, fn, 2, argv, &result);
  for (auto id : leaf_ids) if (handles().valid(id)) handles().release(id);
  if (st != napi_ok) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    std::string msg = "checkpoint recompute failed";
    napi_value m;
    if (exc && napi_get_named_property(env, exc, "message", &m) == napi_ok && type_of(env, m) == napi_string) msg += ": " + get_string(env, m, "");
    napi_close_handle_scope(env, scope);
    throw JsError(msg);
  }
  auto out_ids = get_int_list(env, result, "recompute outputs");
  torch::autograd::variable_list outs;
  for (auto id : out_ids) {
    outs.push_back(handles().get(id));
    handles().release(id);
  }
  napi_close_handle_scope(env, scope);
  return outs;
}

torch::autograd::variable_list recompute_on_js_thread(int64_t token, const torch::autograd::variable_list& leaves) {
  if (std::this_thread::get_id() == g_main) return call_recompute(token, leaves);
  auto done = std::make_shared<std::promise<torch::autograd::variable_list>>();
  auto fut = done->get_future();
  {
    std::lock_guard<std::mutex> lock(g_task_mu);
    g_tasks.emplace_back([=] {
      try { done->set_value(call_recompute(token, leaves)); }
      catch (...) { done->set_exception(std::current_exception()); }
    });
  }
  g_task_cv.notify_all();
  return fut.get();
}

struct CheckpointFn : public torch::autograd::Function<CheckpointFn> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                at::TensorList inputs, int64_t token) {
    ctx->saved_data["token"] = token;
    // A zero-size tensor whose deleter runs when this graph node dies: it tells JS to drop the closure.
    auto* marker = new int64_t(token);
    ctx->saved_data["guard"] = at::from_blob(marker, {0}, [](void* p) {
      auto* t = static_cast<int64_t*>(p);
      { std::lock_guard<std::mutex> lock(g_dead_mu); g_dead.push_back(*t); }
      --g_live_nodes;
      delete t;
    }, at::TensorOptions().dtype(at::kLong));
    ++g_live_nodes;
    ctx->save_for_backward(inputs.vec());
    auto outs = std::move(t_pending_outputs);
    t_pending_outputs.clear();
    return outs;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outs) {
    int64_t token = ctx->saved_data["token"].toInt();
    auto inputs = ctx->get_saved_variables();
    torch::autograd::variable_list leaves;
    for (auto& x : inputs) {
      auto leaf = x.detach();
      leaf.set_requires_grad(x.requires_grad());
      leaves.push_back(leaf);
    }
    auto outs = recompute_on_js_thread(token, leaves);
    if (outs.size() != grad_outs.size()) {
      throw JsError("checkpoint: recompute returned " + std::to_string(outs.size()) + " outputs, forward returned " + std::to_string(grad_outs.size()));
    }
    torch::autograd::variable_list os, gs;
    for (size_t i = 0; i < outs.size(); ++i) {
      if (outs[i].requires_grad() && grad_outs[i].defined()) { os.push_back(outs[i]); gs.push_back(grad_outs[i]); }
    }
    {
      at::AutoGradMode enable(true);
      if (!os.empty()) torch::autograd::backward(os, gs, false, false);
    }
    torch::autograd::variable_list grads;
    for (auto& l : leaves) grads.push_back(l.requires_grad() ? l.grad() : at::Tensor());
    grads.push_back(at::Tensor());  // for the token argument
    return grads;
  }
};

}  // namespace

void run_backward(napi_env env, const torch::autograd::variable_list& outs,
                  const torch::autograd::variable_list& grads, bool retain_graph) {
  bool on_device = false;
  for (auto& o : outs) on_device |= !o.device().is_cpu();
  if (g_live_nodes.load() == 0 || !on_device) {
    torch::autograd::backward(outs, grads, retain_graph);
    return;
  }
  std::exception_ptr err;
  std::atomic<bool> done{false};
  at::ThreadLocalState state;
  std::thread worker([&] {
    try {
      at::ThreadLocalStateGuard guard(state);
      torch::autograd::backward(outs, grads, retain_graph);
    } catch (...) {
      err = std::current_exception();
    }
    { std::lock_guard<std::mutex> lock(g_task_mu); done = true; }
    g_task_cv.notify_all();
  });
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(g_task_mu);
      g_task_cv.wait(lock, [&] { return done.load() || !g_tasks.empty(); });
      if (g_tasks.empty() && done) break;
      task = std::move(g_tasks.front());
      g_tasks.pop_front();
    }
    task();
  }
  worker.join();
  if (err) std::rethrow_exception(err);
}

// checkpointWrap(token, inputHandles[], outputHandles[]) -> new output handles with a grad_fn
static napi_value checkpoint_wrap(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "checkpoint", [&] {
    int64_t token = get_int(env, a[0], "token");
    torch::autograd::variable_list inputs;
    for (auto h : get_int_list(env, a[1], "inputs")) inputs.push_back(handles().get(h));
    t_pending_outputs.clear();
    for (auto h : get_int_list(env, a[2], "outputs")) t_pending_outputs.push_back(handles().get(h));
    // TensorList, not the vector: autograd only records edges for arguments of tensor types.
    auto outs = CheckpointFn::apply(at::TensorList(inputs), token);
    napi_value arr;
    napi_create_array_with_length(env, outs.size(), &arr);
    for (size_t i = 0; i < outs.size(); ++i) napi_set_element(env, arr, i, make_int(env, handles().put(outs[i])));
    return arr;
  });
}

static napi_value set_recompute(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "setCheckpointRecompute", [&] {
    if (g_recompute) napi_delete_reference(env, g_recompute);
    napi_create_reference(env, a[0], 1, &g_recompute);
    g_env = env;
    g_main = std::this_thread::get_id();
    return undefined(env);
  });
}

// drainDeadCheckpoints() -> tokens whose graph nodes were freed since the last call
static napi_value drain_dead(napi_env env, napi_callback_info info) {
  std::vector<int64_t> dead;
  { std::lock_guard<std::mutex> lock(g_dead_mu); dead.swap(g_dead); }
  napi_value arr;
  napi_create_array_with_length(env, dead.size(), &arr);
  for (size_t i = 0; i < dead.size(); ++i) napi_set_element(env, arr, i, make_int(env, dead[i]));
  return arr;
}

void register_checkpoint(napi_env env, napi_value exports) {
  export_fn(env, exports, "checkpointWrap", checkpoint_wrap);
  export_fn(env, exports, "setCheckpointRecompute", set_recompute);
  export_fn(env, exports, "drainDeadCheckpoints", drain_dead);
}

}  // namespace zc
