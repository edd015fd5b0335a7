// Data parallel through PyTorch's own c10d: a TCPStore (rank 0 serves it) for rendezvous and a
// ProcessGroupGloo for CPU collectives. One process group per process. Every collective waits for
// its work before returning; a dead peer or a timeout surfaces as a JS Error naming the op.
#include "dist_c10d.h"
#include "napi_util.h"
#if __has_include(<torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>) && __has_include(<gloo/algorithm.h>)
#define ZOOCLIP_HAVE_GLOO 1
// The c10d headers hide the Gloo group unless the libtorch build's flags are repeated here.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#ifndef USE_DISTRIBUTED
#define USE_DISTRIBUTED 1
#endif
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <chrono>
#include <string>
#include <vector>
#include "env_state.h"

namespace zc {

namespace {

// Torch 1.13 and 2.x both expose ProcessGroupGloo with the same collective signatures (in 2.x it
// is a Backend rather than a ProcessGroup); calling it directly keeps one code path.
using Group = c10d::ProcessGroupGloo;

struct DistState {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<Group> pg;
  int rank = 0;
  int world = 1;
  std::chrono::milliseconds timeout{60000};
  napi_env owner = nullptr;  // the JS environment that called init; collectives come only from it
};

// Never destroyed: at process exit the OS closes Gloo's sockets; tearing the group down from a
// static destructor would join its threads while the rest of the runtime is going away.
DistState& g_dist = *new DistState();

Group& group(const char* op) {
  if (!g_dist.pg) throw JsError(std::string("dist.") + op + ": the process group is not initialised (call initDistributed first)");
  return *g_dist.pg;
}

// One process group per process, driven from one thread: a collective from a worker thread would
// interleave with the main thread's and hang both ranks.
void check_owner(napi_env env, const char* op) {
  if (g_dist.pg && g_dist.owner != env) {
    throw JsError(std::string("dist.") + op + ": the process group belongs to the thread that called initDistributed; call it from there");
  }
}

// Waits for a collective; any failure (peer gone, timeout) becomes an error naming the op.
void finish(const char* op, const c10::intrusive_ptr<c10d::Work>& work) {
  try {
    work->wait();
  } catch (const std::exception& e) {
    throw JsError(std::string("dist.") + op + " failed on rank " + std::to_string(g_dist.rank) + " of " +
                  std::to_string(g_dist.world) + ": " + describe_exception(e));
  }
}

void allreduce_sum(const char* op, at::Tensor& t) {
  std::vector<at::Tensor> ts{t};
  c10d::AllreduceOptions opts;
  opts.reduceOp = c10d::ReduceOp::SUM;
  opts.timeout = g_dist.timeout;
  finish(op, group(op).allreduce(ts, opts));
}

at::Tensor all_gather_cat(const char* op, const at::Tensor& x) {
  auto input = x.contiguous();
  std::vector<at::Tensor> in{input};
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < g_dist.world; ++r) out[0].push_back(at::empty_like(input));
  c10d::AllgatherOptions opts;
  opts.timeout = g_dist.timeout;
  finish(op, group(op).allgather(out, in, opts));
  return at::cat(out[0], 0);
}

// open_clip's gather-with-grad: forward concatenates every rank's rows (rank-major); backward sums
// the incoming gradient over ranks and returns this rank's slice.
struct AllGatherFn : public torch::autograd::Function<AllGatherFn> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x) {
    ctx->saved_data["rows"] = x.dim() > 0 ? x.size(0) : int64_t(1);
    at::AutoGradMode no_grad(false);
    return all_gather_cat("allGather", x.dim() > 0 ? x : x.reshape({1}));
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    int64_t rows = ctx->saved_data["rows"].toInt();
    at::Tensor g = grads[0].contiguous().clone();
    allreduce_sum("allGather backward", g);
    return {g.narrow(0, g_dist.rank * rows, rows)};
  }
};

at::Tensor tensor_arg(napi_env env, napi_value v, const char* what) {
  return handles(env).get(get_int(env, v, what));
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

}  // namespace

// distInit(rank, world, masterAddr, masterPort, timeoutMs, ifname?) -> undefined
static napi_value dist_init(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "dist.init", [&] {
    if (g_dist.pg) throw JsError("dist.init: the process group is already initialised (call destroy first)");
    int rank = static_cast<int>(get_int(env, a[0], "rank"));
    int world = static_cast<int>(get_int(env, a[1], "worldSize"));
    std::string host = get_string(env, a[2], "masterAddr");
    int64_t port = get_int(env, a[3], "masterPort");
    auto timeout = std::chrono::milliseconds(get_int(env, a[4], "timeoutMs"));
    std::string ifname = type_of(env, a[5]) == napi_string ? get_string(env, a[5], "ifname") : "";
    if (world < 1 || rank < 0 || rank >= world) throw JsError("dist.init: rank " + std::to_string(rank) + " is outside world size " + std::to_string(world));
    if (port <= 0 || port > 65535) throw JsError("dist.init: bad master port " + std::to_string(port));
    try {
      c10d::TCPStoreOptions so;
      so.port = static_cast<std::uint16_t>(port);
      so.isServer = rank == 0;
      so.numWorkers = static_cast<std::size_t>(world);
      so.waitWorkers = true;
      so.timeout = timeout;
      auto store = c10::make_intrusive<c10d::TCPStore>(host, so);
      auto opts = Group::Options::create(timeout);
      if (!ifname.empty()) opts->devices.push_back(Group::createDeviceForInterface(ifname));
      else if (is_loopback(host)) opts->devices.push_back(Group::createDeviceForHostname("127.0.0.1"));
      else opts->devices.push_back(Group::createDefaultDevice());
      opts->threads = 2;
      g_dist.pg = c10::make_intrusive<Group>(store, rank, world, opts);
      g_dist.store = store;
    } catch (const std::exception& e) {
      throw JsError("dist.init failed on rank " + std::to_string(rank) + " of " + std::to_string(world) + " (master " + host + ":" +
                    std::to_string(port) + "): " + describe_exception(e));
    }
    g_dist.rank = rank;
    g_dist.world = world;
    g_dist.timeout = timeout;
    g_dist.owner = env;
    return undefined(env);
  });
}

// distAllreduce(handle, average) -> undefined; in place
static napi_value dist_allreduce(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "dist.allreduce", [&] {
    check_owner(env, "allreduce");
    at::Tensor t = tensor_arg(env, a[0], "tensor");
    bool avg = get_bool(env, a[1], "average");
    at::AutoGradMode no_grad(false);
    if (!t.is_contiguous()) throw JsError("dist.allreduce: the tensor must be contiguous (" + describe(t) + ")");
    allreduce_sum("allreduce", t);
    if (avg) t.div_(g_dist.world);
    return undefined(env);
  });
}

// distAllreduceGrads(paramHandles[]) -> undefined: averages each defined .grad through one flat bucket
// per dtype/device (parameters without a grad are skipped; every rank must have the same set)
static napi_value dist_allreduce_grads(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "dist.allreduceGrads", [&] {
    check_owner(env, "allreduceGrads");
    at::AutoGradMode no_grad(false);
    std::vector<at::Tensor> grads;
    for (auto h : get_int_list(env, a[0], "params")) {
      auto g = handles(env).get(h).grad();
      if (!g.defined()) continue;  // unused this step; every rank must skip the same parameters
      grads.push_back(g);
    }
    // Group by dtype/device so each bucket is one collective.
    std::vector<std::vector<at::Tensor>> buckets;
    for (auto& g : grads) {
      bool placed = false;
      for (auto& b : buckets) {
        if (b[0].scalar_type() == g.scalar_type() && b[0].device() == g.device()) { b.push_back(g); placed = true; break; }
      }
      if (!placed) buckets.push_back({g});
    }
    for (auto& b : buckets) {
      std::vector<at::Tensor> flat_parts;
      for (auto& g : b) flat_parts.push_back(g.reshape({-1}));
      at::Tensor flat = at::cat(flat_parts, 0);
      allreduce_sum("allreduceGrads", flat);
      flat.div_(g_dist.world);
      int64_t off = 0;
      for (auto& g : b) {
        g.copy_(flat.narrow(0, off, g.numel()).view(g.sizes()));
        off += g.numel();
      }
    }
    return undefined(env);
  });
}

// distBroadcast(handles[], root) -> undefined; in place
static napi_value dist_broadcast(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "dist.broadcast", [&] {
    check_owner(env, "broadcast");
    int64_t root = type_of(env, a[1]) == napi_number ? get_int(env, a[1], "root") : 0;
    at::AutoGradMode no_grad(false);
    for (auto h : get_int_list(env, a[0], "tensors")) {
      at::Tensor t = handles(env).get(h);
      if (!t.is_contiguous()) throw JsError("dist.broadcast: the tensor must be contiguous (" + describe(t) + ")");
      std::vector<at::Tensor> ts{t};
      c10d::BroadcastOptions opts;
      opts.rootRank = root;
      opts.timeout = g_dist.timeout;
      finish("broadcast", group("broadcast").broadcast(ts, opts));
    }
    return undefined(env);
  });
}

// distAllGather(handle, withGrad) -> new handle [world * B, ...]
static napi_value dist_all_gather(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "dist.allGather", [&] {
    check_owner(env, "allGather");
    at::Tensor x = tensor_arg(env, a[0], "tensor");
    bool with_grad = get_bool(env, a[1], "withGrad");
    group("allGather");
    at::Tensor out;
    if (with_grad && x.requires_grad() && at::GradMode::is_enabled()) {
      out = AllGatherFn::apply(x);
    } else {
      at::AutoGradMode no_grad(false);
      out = all_gather_cat("allGather", x.detach());
    }
    return make_int(env, handles(env).put(out));
  });
}

static napi_value dist_barrier(napi_env env, napi_callback_info info) {
  return guarded(env, "dist.barrier", [&] {
    check_owner(env, "barrier");
    c10d::BarrierOptions opts;
    opts.timeout = g_dist.timeout;
    finish("barrier", group("barrier").barrier(opts));
    return undefined(env);
  });
}

// distInfo() -> [initialised, rank, worldSize]
static napi_value dist_info(napi_env env, napi_callback_info info) {
  return guarded(env, "dist.info", [&] {
    napi_value arr = make_array(env, 3);
    set_element(env, arr, 0, make_bool(env, static_cast<bool>(g_dist.pg)));
    set_element(env, arr, 1, make_int(env, g_dist.rank));
    set_element(env, arr, 2, make_int(env, g_dist.world));
    return arr;
  });
}

static napi_value dist_destroy(napi_env env, napi_callback_info info) {
  return guarded(env, "dist.destroy", [&] {
    check_owner(env, "destroy");
    g_dist.owner = nullptr;
    g_dist.pg.reset();
    g_dist.store.reset();
    g_dist.rank = 0;
    g_dist.world = 1;
    return undefined(env);
  });
}

void register_dist(napi_env env, napi_value exports) {
  export_fn(env, exports, "distInit", dist_init);
  export_fn(env, exports, "distAllreduce", dist_allreduce);
  export_fn(env, exports, "distAllreduceGrads", dist_allreduce_grads);
  export_fn(env, exports, "distBroadcast", dist_broadcast);
  export_fn(env, exports, "distAllGather", dist_all_gather);
  export_fn(env, exports, "distBarrier", dist_barrier);
  export_fn(env, exports, "distInfo", dist_info);
  export_fn(env, exports, "distDestroy", dist_destroy);
}

}  // namespace zc
#else   // no c10d/Gloo in this libtorch: the functions exist and say why they cannot work

namespace zc {
static napi_value dist_missing(napi_env env, napi_callback_info) {
  throw_js(env, "dist: this libtorch was built without c10d/Gloo headers (Debian: apt-get install libgloo-dev, then rebuild)");
  return nullptr;
}

static napi_value dist_info_missing(napi_env env, napi_callback_info) {
  return guarded(env, "dist.info", [&] {
    napi_value arr = make_array(env, 3);
    set_element(env, arr, 0, make_bool(env, false));
    set_element(env, arr, 1, make_int(env, 0));
    set_element(env, arr, 2, make_int(env, 1));
    return arr;
  });
}
void register_dist(napi_env env, napi_value exports) {
  for (const char* n : {"distInit", "distAllreduce", "distAllreduceGrads", "distBroadcast", "distAllGather", "distBarrier", "distDestroy"})
    export_fn(env, exports, n, dist_missing);
  export_fn(env, exports, "distInfo", dist_info_missing);
}
}  // namespace zc
#endif
