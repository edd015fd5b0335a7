// Optimizer updates over whole parameter groups in one call: no per-parameter JS work. On CPU,
// float32 contiguous parameters take a fused single-pass kernel (p, g, m, v read once); the rest
// go through libtorch's multi-tensor (_foreach) ops, which batch kernel launches on CUDA.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <cmath>
#include "env_state.h"
#include "napi_util.h"
#include "optim.h"

namespace zc {

namespace {

std::vector<at::Tensor> tensors_of(napi_env env, napi_value v, const char* what) {
  std::vector<at::Tensor> out;
  Handles& table = handles(env);
  for (auto h : get_int_list(env, v, what)) out.push_back(table.get(h));
  return out;
}

bool fusable(const at::Tensor& p, const at::Tensor& g, const at::Tensor& m, const at::Tensor& v) {
  auto ok = [&](const at::Tensor& t) { return t.device().is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous() && t.numel() == p.numel(); };
  return ok(p) && ok(g) && ok(m) && ok(v);
}

struct AdamW { double lr, b1, b2, eps, wd, bc1, bc2; };

void adamw_fused_cpu(at::Tensor& p, const at::Tensor& g, at::Tensor& m, at::Tensor& v, const AdamW& h) {
  float* pp = p.data_ptr<float>();
  const float* gp = g.data_ptr<float>();
  float* mp = m.data_ptr<float>();
  float* vp = v.data_ptr<float>();
  const float decay = static_cast<float>(1.0 - h.lr * h.wd);
  const float b1 = static_cast<float>(h.b1), b2 = static_cast<float>(h.b2);
  const float ob1 = static_cast<float>(1.0 - h.b1), ob2 = static_cast<float>(1.0 - h.b2);
  const float step = static_cast<float>(h.lr / h.bc1);
  const float rbc2 = static_cast<float>(std::sqrt(h.bc2));
  const float eps = static_cast<float>(h.eps);
  at::parallel_for(0, p.numel(), 16384, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float gi = gp[i];
      float mi = mp[i] * b1 + ob1 * gi;
      float vi = vp[i] * b2 + ob2 * gi * gi;
      mp[i] = mi;
      vp[i] = vi;
      float denom = std::sqrt(vi) / rbc2 + eps;
      pp[i] = pp[i] * decay - step * (mi / denom);
    }
  });
}

void adamw_foreach(std::vector<at::Tensor>& ps, std::vector<at::Tensor>& gs, std::vector<at::Tensor>& ms,
                   std::vector<at::Tensor>& vs, const AdamW& h) {
  if (ps.empty()) return;
  if (h.wd != 0) at::_foreach_mul_(ps, 1.0 - h.lr * h.wd);
  at::_foreach_mul_(ms, h.b1);
  at::_foreach_add_(ms, gs, 1.0 - h.b1);
  at::_foreach_mul_(vs, h.b2);
  at::_foreach_addcmul_(vs, gs, gs, 1.0 - h.b2);
  auto denom = at::_foreach_sqrt(vs);
  at::_foreach_div_(denom, std::sqrt(h.bc2));
  at::_foreach_add_(denom, h.eps);
  at::_foreach_addcdiv_(ps, ms, denom, -h.lr / h.bc1);
}

// adamwStep(params[], expAvg[], expAvgSq[], lr, beta1, beta2, eps, weightDecay, step)
// Parameters without a gradient are skipped, as torch.optim does.
napi_value adamw_step(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "adamwStep", [&] {
    auto ps = tensors_of(env, a[0], "params");
    auto ms = tensors_of(env, a[1], "expAvg");
    auto vs = tensors_of(env, a[2], "expAvgSq");
    if (ms.size() != ps.size() || vs.size() != ps.size()) throw JsError("adamwStep: state lists do not match the parameter list");
    AdamW h{get_double(env, a[3], "lr"), get_double(env, a[4], "beta1"), get_double(env, a[5], "beta2"),
            get_double(env, a[6], "eps"), get_double(env, a[7], "weightDecay"), 0, 0};
    double step = get_double(env, a[8], "step");
    h.bc1 = 1.0 - std::pow(h.b1, step);
    h.bc2 = 1.0 - std::pow(h.b2, step);
    torch::autograd::AutoGradMode no_grad(false);
    std::vector<at::Tensor> fp, fg, fm, fv;
    for (size_t i = 0; i < ps.size(); ++i) {
      const at::Tensor& g = ps[i].grad();
      if (!g.defined()) continue;
      if (g.sizes() != ps[i].sizes()) throw JsError("adamwStep: grad " + describe(g) + " does not match parameter " + describe(ps[i]));
      if (fusable(ps[i], g, ms[i], vs[i])) adamw_fused_cpu(ps[i], g, ms[i], vs[i], h);
      else { fp.push_back(ps[i]); fg.push_back(g); fm.push_back(ms[i]); fv.push_back(vs[i]); }
    }
    adamw_foreach(fp, fg, fm, fv, h);
    return undefined(env);
  });
}

// sgdStep(params[], momentumBuf[], lr, momentum, dampening, weightDecay, nesterov, step)
// Same update as torch.optim.SGD; the momentum buffer takes the first gradient as is.
napi_value sgd_step(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "sgdStep", [&] {
    auto ps = tensors_of(env, a[0], "params");
    auto bufs = tensors_of(env, a[1], "momentumBuf");
    double lr = get_double(env, a[2], "lr"), mom = get_double(env, a[3], "momentum");
    double damp = get_double(env, a[4], "dampening"), wd = get_double(env, a[5], "weightDecay");
    bool nesterov = get_bool(env, a[6], "nesterov");
    double step = get_double(env, a[7], "step");
    if (mom != 0 && bufs.size() != ps.size()) throw JsError("sgdStep: momentum buffers do not match the parameter list");
    torch::autograd::AutoGradMode no_grad(false);
    for (size_t i = 0; i < ps.size(); ++i) {
      at::Tensor g = ps[i].grad();
      if (!g.defined()) continue;
      if (wd != 0) g = g.add(ps[i], wd);
      if (mom != 0) {
        at::Tensor& b = bufs[i];
        if (step <= 1) b.copy_(g);
        else b.mul_(mom).add_(g, 1.0 - damp);
        g = nesterov ? g.add(b, mom) : b;
      }
      ps[i].add_(g, -lr);
    }
    return undefined(env);
  });
}

// clipGradNorm(params[], maxNorm, normType) -> total norm before clipping (as torch's clip_grad_norm_)
napi_value clip_grad_norm(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "clipGradNorm", [&] {
    auto ps = tensors_of(env, a[0], "params");
    double max_norm = get_double(env, a[1], "maxNorm");
    double norm_type = get_double(env, a[2], "normType");
    torch::autograd::AutoGradMode no_grad(false);
    std::vector<at::Tensor> gs;
    for (auto& p : ps) if (p.grad().defined()) gs.push_back(p.grad());
    if (gs.empty()) return make_double(env, 0.0);
    std::vector<at::Tensor> norms;
    for (auto& g : gs) norms.push_back(std::isinf(norm_type) ? g.detach().abs().max().to(at::kFloat) : g.detach().norm(norm_type).to(at::kFloat));
    at::Tensor total = std::isinf(norm_type) ? at::stack(norms).max() : at::stack(norms).norm(norm_type);
    at::Tensor coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
    for (auto& g : gs) g.mul_(coef.to(g.device()).to(g.scalar_type()));
    return make_double(env, total.item<double>());
  });
}

// allFinite(tensors[]) -> whether every element of every tensor (and grad, if asked) is finite
napi_value all_finite(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "allFinite", [&] {
    auto ts = tensors_of(env, a[0], "tensors");
    bool grads = type_of(env, a[1]) == napi_boolean && get_bool(env, a[1], "grads");
    torch::autograd::AutoGradMode no_grad(false);
    for (auto& t : ts) {
      const at::Tensor& x = grads ? t.grad() : t;
      if (!x.defined() || !x.is_floating_point()) continue;
      if (!at::isfinite(x).all().item<bool>()) return make_bool(env, false);
    }
    return make_bool(env, true);
  });
}

// zeroGrad(params[]): drops the gradients (set_to_none, torch's default since 2.0)
napi_value zero_grad(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "zeroGrad", [&] {
    for (auto h : get_int_list(env, a[0], "params")) {
      at::Tensor t = handles(env).get(h);
      t.mutable_grad() = at::Tensor();
    }
    return undefined(env);
  });
}

}  // namespace

void register_optim(napi_env env, napi_value exports) {
  export_fn(env, exports, "adamwStep", adamw_step);
  export_fn(env, exports, "sgdStep", sgd_step);
  export_fn(env, exports, "clipGradNorm", clip_grad_norm);
  export_fn(env, exports, "allFinite", all_finite);
  export_fn(env, exports, "zeroGrad", zero_grad);
}

}  // namespace zc
