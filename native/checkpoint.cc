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
#include <unordered_map>
#include <thread>
#include "checkpoint.h"
#include "env_state.h"
#include "napi_util.h"

namespace zc {

// One JS environment's side of gradient checkpointing: its recompute callback, the thread that
// may call it, the work autograd's device threads post to that thread, and the tokens of graph
// nodes that died (JS drops their closures). Graph nodes name their host by id, not by pointer:
// a node can outlive the worker that made it, and then its backward fails with a clear error.
struct CheckpointHost {
  int64_t id = 0;
  napi_env env = nullptr;
  napi_ref recompute = nullptr;  // JS (token, inputHandles[]) -> outputHandles[]
  std::thread::id thread;
  std::atomic<int64_t> live_nodes{0};
  std::mutex dead_mu;
  std::vector<int64_t> dead;
  std::mutex task_mu;
  std::condition_variable task_cv;
  std::deque<std::function<void()>> tasks;
  ~CheckpointHost();
};

namespace {

// Live hosts by id. Never destroyed: graph nodes may die during static destruction at exit.
std::mutex& hosts_mu = *new std::mutex();
std::unordered_map<int64_t, std::weak_ptr<CheckpointHost>>& hosts = *new std::unordered_map<int64_t, std::weak_ptr<CheckpointHost>>();
std::atomic<int64_t> next_host_id{1};

std::shared_ptr<CheckpointHost> find_host(int64_t id) {
  std::lock_guard<std::mutex> lock(hosts_mu);
  auto it = hosts.find(id);
  return it == hosts.end() ? nullptr : it->second.lock();
}

// This environment's host, created on first use.
CheckpointHost& host_of(napi_env env) {
  auto& state = env_state(env);
  if (!state.checkpoint) {
    auto host = std::make_shared<CheckpointHost>();
    host->id = next_host_id++;
    host->env = env;
    host->thread = std::this_thread::get_id();
    {
      std::lock_guard<std::mutex> lock(hosts_mu);
      hosts[host->id] = host;
    }
    state.checkpoint = std::move(host);
  }
  return *state.checkpoint;
}

thread_local torch::autograd::variable_list t_pending_outputs;

// The message of the JS exception the recompute threw (and clears it). Never throws.
std::string take_exception_message(napi_env env) noexcept {
  std::string msg = "checkpoint recompute failed";
  try {
    napi_value exc = nullptr, m = nullptr;
    if (napi_get_and_clear_last_exception(env, &exc) != napi_ok || !exc) return msg;
    if (type_of(env, exc) == napi_object && napi_get_named_property(env, exc, "message", &m) == napi_ok &&
        type_of(env, m) == napi_string) {
      msg += ": " + get_string(env, m, "message");
    }
  } catch (...) {
  }
  return msg;
}

// Frees the leaves' handles however the recompute ends (JS only borrows them).
struct BorrowedHandles {
  Handles& table;
  std::vector<int32_t> ids;
  ~BorrowedHandles() {
    for (auto id : ids) if (table.valid(id)) table.release(id);
  }
};

// Calls the JS recompute callback; must run on the host's JS thread.
torch::autograd::variable_list call_recompute(CheckpointHost& host, int64_t token, const torch::autograd::variable_list& leaves) {
  napi_env env = host.env;
  HandleScope scope(env);
  BorrowedHandles borrowed{handles(env), {}};
  napi_value arr = make_array(env, leaves.size());
  for (size_t i = 0; i < leaves.size(); ++i) {
    borrowed.ids.push_back(borrowed.table.put(leaves[i]));
    set_element(env, arr, static_cast<uint32_t>(i), make_int(env, borrowed.ids.back()));
  }
  napi_value fn, result, argv[2] = {make_int(env, token), arr};
  ZC_NAPI(env, napi_get_reference_value(env, host.recompute, &fn));
  if (napi_call_function(env, undefined(env), fn, 2, argv, &result) != napi_ok) throw JsError(take_exception_message(env));
  auto out_ids = get_int_list(env, result, "recompute outputs");
  torch::autograd::variable_list outs;
  for (auto id : out_ids) outs.push_back(borrowed.table.get(id));
  for (auto id : out_ids) borrowed.table.release(id);
  return outs;
}

torch::autograd::variable_list recompute_on_js_thread(CheckpointHost& host, int64_t token, const torch::autograd::variable_list& leaves) {
  if (std::this_thread::get_id() == host.thread) return call_recompute(host, token, leaves);
  auto done = std::make_shared<std::promise<torch::autograd::variable_list>>();
  auto fut = done->get_future();
  {
    std::lock_guard<std::mutex> lock(host.task_mu);
    host.tasks.emplace_back([&host, done, token, leaves] {
      try { done->set_value(call_recompute(host, token, leaves)); }
      catch (...) { done->set_exception(std::current_exception()); }
    });
  }
  host.task_cv.notify_all();
  return fut.get();
}

// A zero-size tensor whose deleter runs when its graph node dies: it tells the host's JS side
// to drop the segment's closure.
at::Tensor death_marker(CheckpointHost& host, int64_t token) {
  auto* marker = new std::pair<int64_t, int64_t>(host.id, token);
  ++host.live_nodes;
  return at::from_blob(marker, {0}, [](void* p) {
    auto* m = static_cast<std::pair<int64_t, int64_t>*>(p);
    if (auto h = find_host(m->first)) {
      { std::lock_guard<std::mutex> lock(h->dead_mu); h->dead.push_back(m->second); }
      --h->live_nodes;
    }
    delete m;
  }, at::TensorOptions().dtype(at::kLong));
}

struct CheckpointFn : public torch::autograd::Function<CheckpointFn> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                at::TensorList inputs, int64_t token, int64_t host_id) {
    auto host = find_host(host_id);
    if (!host) throw JsError("checkpoint: unknown checkpoint host " + std::to_string(host_id));
    ctx->saved_data["token"] = token;
    ctx->saved_data["host"] = host_id;
    ctx->saved_data["guard"] = death_marker(*host, token);
    ctx->save_for_backward(inputs.vec());
    auto outs = std::move(t_pending_outputs);
    t_pending_outputs.clear();
    return outs;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outs) {
    int64_t token = ctx->saved_data["token"].toInt();
    auto host = find_host(ctx->saved_data["host"].toInt());
    if (!host) throw JsError("checkpoint: the JS thread that recorded this segment has exited; its graph cannot be backpropagated");
    auto inputs = ctx->get_saved_variables();
    torch::autograd::variable_list leaves;
    for (auto& x : inputs) {
      auto leaf = x.detach();
      leaf.set_requires_grad(x.requires_grad());
      leaves.push_back(leaf);
    }
    auto outs = recompute_on_js_thread(*host, token, leaves);
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
    grads.push_back(at::Tensor());  // for the host id argument
    return grads;
  }
};

// Runs backward on a helper thread while this (the JS) thread serves the recompute requests that
// autograd's device threads post to the host.
void backward_serving_recomputes(CheckpointHost& host, const torch::autograd::variable_list& outs,
                                 const torch::autograd::variable_list& grads, bool retain_graph) {
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
    { std::lock_guard<std::mutex> lock(host.task_mu); done = true; }
    host.task_cv.notify_all();
  });
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(host.task_mu);
      host.task_cv.wait(lock, [&] { return done.load() || !host.tasks.empty(); });
      if (host.tasks.empty() && done) break;
      task = std::move(host.tasks.front());
      host.tasks.pop_front();
    }
    task();  // never throws: each task hands its exception to the waiting device thread
  }
  worker.join();
  if (err) std::rethrow_exception(err);
}

}  // namespace

CheckpointHost::~CheckpointHost() {
  // The recompute reference belongs to the environment being torn down; it frees it itself.
  std::lock_guard<std::mutex> lock(hosts_mu);
  hosts.erase(id);
}

void run_backward(napi_env env, const torch::autograd::variable_list& outs,
                  const torch::autograd::variable_list& grads, bool retain_graph) {
  bool on_device = false;
  for (auto& o : outs) on_device |= !o.device().is_cpu();
  auto host = env_state(env).checkpoint;
  if (!host || host->live_nodes.load() == 0 || !on_device) {
    torch::autograd::backward(outs, grads, retain_graph);
    return;
  }
  backward_serving_recomputes(*host, outs, grads, retain_graph);
}

// checkpointWrap(token, inputHandles[], outputHandles[]) -> new output handles with a grad_fn
static napi_value checkpoint_wrap(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "checkpoint", [&] {
    CheckpointHost& host = host_of(env);
    if (!host.recompute) throw JsError("checkpoint: no recompute callback in this JS environment (setCheckpointRecompute was not called)");
    int64_t token = get_int(env, a[0], "token");
    Handles& table = handles(env);
    torch::autograd::variable_list inputs;
    for (auto h : get_int_list(env, a[1], "inputs")) inputs.push_back(table.get(h));
    t_pending_outputs.clear();
    for (auto h : get_int_list(env, a[2], "outputs")) t_pending_outputs.push_back(table.get(h));
    // TensorList, not the vector: autograd only records edges for arguments of tensor types.
    auto outs = CheckpointFn::apply(at::TensorList(inputs), token, host.id);
    napi_value arr = make_array(env, outs.size());
    for (size_t i = 0; i < outs.size(); ++i) set_element(env, arr, static_cast<uint32_t>(i), make_int(env, table.put(outs[i])));
    return arr;
  });
}

static napi_value set_recompute(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "setCheckpointRecompute", [&] {
    if (type_of(env, a[0]) != napi_function) throw JsError("setCheckpointRecompute: expected a function");
    CheckpointHost& host = host_of(env);
    napi_ref next = nullptr;
    ZC_NAPI(env, napi_create_reference(env, a[0], 1, &next));
    if (host.recompute) ZC_NAPI(env, napi_delete_reference(env, host.recompute));
    host.recompute = next;
    return undefined(env);
  });
}

// drainDeadCheckpoints() -> tokens whose graph nodes were freed since the last call
static napi_value drain_dead(napi_env env, napi_callback_info info) {
  return guarded(env, "drainDeadCheckpoints", [&] {
    std::vector<int64_t> dead;
    auto host = env_state(env).checkpoint;
    if (host) {
      std::lock_guard<std::mutex> lock(host->dead_mu);
      dead.swap(host->dead);
    }
    napi_value arr = make_array(env, dead.size());
    for (size_t i = 0; i < dead.size(); ++i) set_element(env, arr, static_cast<uint32_t>(i), make_int(env, dead[i]));
    return arr;
  });
}

void register_checkpoint(napi_env env, napi_value exports) {
  export_fn(env, exports, "checkpointWrap", checkpoint_wrap);
  export_fn(env, exports, "setCheckpointRecompute", set_recompute);
  export_fn(env, exports, "drainDeadCheckpoints", drain_dead);
}

}  // namespace zc
