// Generic calls into libtorch's dispatcher by operator name. JS resolves an operator once
// (findOp) and then calls it by id; arguments are converted by the operator's own schema, so
// defaults, optionals and lists follow exactly what libtorch declares. Autograd and autocast
// apply because the call goes through the dispatcher like any TorchScript call.
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include "dispatch.h"
#include "env_state.h"
#include "napi_util.h"
#include <sstream>

namespace zc {

enum class Kind { Tensor, TensorList, OptTensorList, Int, IntList, Float, FloatList, Bool, BoolList,
                  Scalar, String, Device, Generator, Unsupported };

struct ArgSpec {
  Kind kind;
  bool optional;
  int n;  // fixed list size (int[2]) or 0
  std::string name;
  c10::optional<c10::IValue> def;
};

struct OpEntry {
  c10::OperatorHandle handle;
  std::string name;
  std::vector<ArgSpec> args;
  size_t nret;
};

// The operators one JS environment resolved; ids index `entries`. Per environment, so a worker
// calling findOp never grows the vector the main thread is reading.
struct OpTable {
  std::vector<OpEntry> entries;
};

static std::vector<OpEntry>& registry(napi_env env) {
  auto& state = env_state(env);
  if (!state.ops) state.ops = std::make_shared<OpTable>();
  return state.ops->entries;
}

static Kind kind_of(const c10::TypePtr& t) {
  switch (t->kind()) {
    case c10::TypeKind::TensorType: return Kind::Tensor;
    case c10::TypeKind::IntType: return Kind::Int;
    case c10::TypeKind::FloatType: return Kind::Float;
    case c10::TypeKind::BoolType: return Kind::Bool;
    case c10::TypeKind::NumberType: return Kind::Scalar;
    case c10::TypeKind::StringType: return Kind::String;
    case c10::TypeKind::DeviceObjType: return Kind::Device;
    case c10::TypeKind::GeneratorType: return Kind::Generator;
    case c10::TypeKind::ListType: {
      auto elem = t->containedType(0);
      switch (elem->kind()) {
        case c10::TypeKind::TensorType: return Kind::TensorList;
        case c10::TypeKind::OptionalType: return Kind::OptTensorList;
        case c10::TypeKind::IntType: return Kind::IntList;
        case c10::TypeKind::FloatType: return Kind::FloatList;
        case c10::TypeKind::BoolType: return Kind::BoolList;
        default: return Kind::Unsupported;
      }
    }
    default: return Kind::Unsupported;
  }
}

static ArgSpec spec_of(const c10::Argument& a) {
  ArgSpec s;
  c10::TypePtr t = a.type();
  s.optional = false;
  if (t->kind() == c10::TypeKind::OptionalType) {
    s.optional = true;
    t = t->containedType(0);
  }
  s.kind = kind_of(t);
  s.n = a.N() ? static_cast<int>(*a.N()) : 0;
  s.name = a.name();
  s.def = a.default_value();
  return s;
}

int64_t find_op(napi_env env, const std::string& name, const std::string& overload) {
  auto h = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!h) return -1;
  OpEntry e{*h, overload.empty() ? name : name + "." + overload, {}, h->schema().returns().size()};
  for (const auto& a : h->schema().arguments()) e.args.push_back(spec_of(a));
  auto& ops = registry(env);
  ops.push_back(std::move(e));
  return static_cast<int64_t>(ops.size() - 1);
}

static std::string op_schema(napi_env env, int64_t id) {
  auto& ops = registry(env);
  if (id < 0 || id >= static_cast<int64_t>(ops.size())) throw JsError("opSchema: unknown op id " + std::to_string(id));
  std::ostringstream os;
  os << ops[id].handle.schema();
  return os.str();
}

static c10::IValue scalar_from_js(napi_env env, napi_value v, const std::string& name) {
  napi_valuetype t = type_of(env, v);
  if (t == napi_boolean) return c10::IValue(get_bool(env, v, name.c_str()));
  double d = get_double(env, v, name.c_str());
  if (std::nearbyint(d) == d && std::abs(d) < 9.0e15) return c10::IValue(static_cast<int64_t>(d));
  return c10::IValue(d);
}

static c10::IValue to_ivalue(napi_env env, napi_value v, const ArgSpec& s) {
  napi_valuetype t = type_of(env, v);
  if (t == napi_undefined) {
    if (s.def) return *s.def;
    if (s.optional) return c10::IValue();
    throw JsError("missing argument '" + s.name + "'");
  }
  if (t == napi_null) {
    if (s.optional) return c10::IValue();
    throw JsError("argument '" + s.name + "' may not be null");
  }
  const char* nm = s.name.c_str();
  switch (s.kind) {
    case Kind::Tensor: {
      int64_t h = get_int(env, v, nm);
      if (h < 0 && s.optional) return c10::IValue();
      return c10::IValue(handles(env).get(h));
    }
    case Kind::TensorList: {
      auto ids = get_int_list(env, v, nm);
      c10::List<at::Tensor> list;
      list.reserve(ids.size());
      for (auto h : ids) list.push_back(handles(env).get(h));
      return c10::IValue(list);
    }
    case Kind::OptTensorList: {
      if (!is_array(env, v)) throw JsError(s.name + ": expected an array of tensors or nulls");
      uint32_t n = array_length(env, v);
      c10::List<c10::optional<at::Tensor>> list;
      list.reserve(n);
      for (uint32_t i = 0; i < n; ++i) {
        napi_value e = array_get(env, v, i);
        napi_valuetype et = type_of(env, e);
        if (et == napi_null || et == napi_undefined) list.push_back(c10::nullopt);
        else list.push_back(handles(env).get(get_int(env, e, nm)));
      }
      return c10::IValue(list);
    }
    case Kind::Int: return c10::IValue(get_int(env, v, nm));
    case Kind::IntList: {
      auto vals = get_int_list(env, v, nm);
      if (vals.size() == 1 && s.n > 1) vals.assign(s.n, vals[0]);
      return c10::IValue(vals);
    }
    case Kind::Float: return c10::IValue(get_double(env, v, nm));
    case Kind::FloatList: {
      std::vector<double> vals;
      if (!is_array(env, v)) vals.push_back(get_double(env, v, nm));
      else for (uint32_t i = 0, n = array_length(env, v); i < n; ++i) vals.push_back(get_double(env, array_get(env, v, i), nm));
      return c10::IValue(vals);
    }
    case Kind::Bool: return c10::IValue(get_bool(env, v, nm));
    case Kind::BoolList: {
      c10::List<bool> list;
      for (uint32_t i = 0, n = array_length(env, v); i < n; ++i) list.push_back(get_bool(env, array_get(env, v, i), nm));
      return c10::IValue(list);
    }
    case Kind::Scalar: return scalar_from_js(env, v, s.name);
    case Kind::String: return c10::IValue(get_string(env, v, nm));
    case Kind::Device: return c10::IValue(c10::Device(get_string(env, v, nm)));
    case Kind::Generator: throw JsError(s.name + ": explicit generators are not supported; use manualSeed");
    case Kind::Unsupported: break;
  }
  throw JsError("argument '" + s.name + "' has a type zooclip cannot pass");
}

static napi_value from_ivalue(napi_env env, const c10::IValue& v) {
  if (v.isTensor()) return make_int(env, handles(env).put(v.toTensor()));
  if (v.isNone()) return null_value(env);
  if (v.isInt()) return make_int(env, v.toInt());
  if (v.isDouble()) return make_double(env, v.toDouble());
  if (v.isBool()) return make_bool(env, v.toBool());
  if (v.isTensorList()) {
    auto list = v.toTensorList();
    napi_value arr = make_array(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) set_element(env, arr, i, make_int(env, handles(env).put(list.get(i))));
    return arr;
  }
  if (v.isIntList()) {
    auto list = v.toIntVector();
    napi_value arr = make_array(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) set_element(env, arr, i, make_int(env, list[i]));
    return arr;
  }
  if (v.isTuple()) {
    const auto& elems = v.toTupleRef().elements();
    napi_value arr = make_array(env, elems.size());
    for (size_t i = 0; i < elems.size(); ++i) set_element(env, arr, i, from_ivalue(env, elems[i]));
    return arr;
  }
  throw JsError("op returned a value of type " + v.tagKind() + " that zooclip cannot return");
}

static std::string describe_handle(napi_env env, napi_value v, const char* none) {
  int64_t h = static_cast<int64_t>(get_double(env, v, "tensor"));
  Handles& table = handles(env);
  return table.valid(h) ? describe(table.get(h)) : none;
}

static void describe_arg(std::ostringstream& os, napi_env env, const ArgSpec& s, napi_value v) {
  napi_valuetype t = type_of(env, v);
  if (s.kind == Kind::Tensor && t == napi_number) {
    os << describe_handle(env, v, "<disposed>");
  } else if ((s.kind == Kind::TensorList || s.kind == Kind::OptTensorList) && is_array(env, v)) {
    os << "[";
    for (uint32_t j = 0, n = array_length(env, v); j < n; ++j) {
      napi_value e = array_get(env, v, j);
      os << (j ? ", " : "") << (type_of(env, e) == napi_number ? describe_handle(env, e, "None") : "None");
    }
    os << "]";
  } else if (t == napi_number) {
    os << get_double(env, v, s.name.c_str());
  } else if (t == napi_string) {
    os << '"' << get_string(env, v, s.name.c_str()) << '"';
  } else if (t == napi_boolean) {
    os << (get_bool(env, v, s.name.c_str()) ? "true" : "false");
  } else if (is_array(env, v)) {
    os << "[";
    for (uint32_t j = 0, n = array_length(env, v); j < n; ++j) {
      napi_value e = array_get(env, v, j);
      os << (j ? "," : "");
      if (type_of(env, e) == napi_number) os << get_double(env, e, s.name.c_str());
      else os << "?";
    }
    os << "]";
  } else {
    os << (t == napi_null ? "null" : "default");
  }
}

// Describes the JS arguments for an error message: tensors by dtype and shape, the rest by value.
// Runs on the error path, so it never throws: an argument it cannot read shows as "?".
static std::string describe_call(napi_env env, const OpEntry& e, const Args& a, size_t first) noexcept {
  try {
    std::ostringstream os;
    auto sep = e.name.find("::");
    os << "aten::" << e.name.substr(sep == std::string::npos ? 0 : sep + 2) << "(";
    for (size_t i = 0; i < e.args.size() && first + i < a.argc; ++i) {
      if (i) os << ", ";
      os << e.args[i].name << "=";
      try {
        describe_arg(os, env, e.args[i], a[first + i]);
      } catch (...) {
        os << "?";
      }
    }
    os << ")";
    return os.str();
  } catch (...) {
    return "aten::" + e.name;
  }
}

// Runs the operator on the converted arguments and turns its results into JS values.
static napi_value run_op(napi_env env, const OpEntry& e, const Args& a, bool keep_result) {
  if (a.argc - 1 > e.args.size()) {
    throw JsError("too many arguments: " + std::to_string(a.argc - 1) + " given, schema has " + std::to_string(e.args.size()));
  }
  thread_local torch::jit::Stack stack;
  stack.clear();
  stack.reserve(e.args.size());
  for (size_t i = 0; i < e.args.size(); ++i) stack.push_back(to_ivalue(env, a[i + 1], e.args[i]));
  e.handle.callBoxed(stack);
  napi_value out;
  if (!keep_result) out = undefined(env);
  else if (stack.size() == 1) out = from_ivalue(env, stack[0]);
  else {
    out = make_array(env, stack.size());
    for (size_t i = 0; i < stack.size(); ++i) set_element(env, out, i, from_ivalue(env, stack[i]));
  }
  stack.clear();
  handles(env).sync_external_memory(env);
  return out;
}

// call(opId, ...args) -> result; callInplace(opId, ...args) -> undefined (the result aliases an input).
// Errors name the operator and the arguments' shapes, not just the binding.
static napi_value call_impl(napi_env env, napi_callback_info info, bool keep_result) noexcept {
  Args a(env, info);
  const OpEntry* e = nullptr;
  std::string msg;
  try {
    int64_t id = get_int(env, a[0], "op id");
    auto& ops = registry(env);
    if (id < 0 || id >= static_cast<int64_t>(ops.size())) throw JsError("unknown op id " + std::to_string(id));
    e = &ops[id];
    return run_op(env, *e, a, keep_result);
  } catch (const JsError& ex) {
    msg = ex.what();
  } catch (const std::exception& ex) {
    msg = describe_exception(ex);
  } catch (...) {
    msg = "unknown native exception";
  }
  throw_js(env, (e ? describe_call(env, *e, a, 1) : std::string("op call")) + ": " + msg);
  return nullptr;
}

napi_value js_call(napi_env env, napi_callback_info info) { return call_impl(env, info, true); }
napi_value js_call_inplace(napi_env env, napi_callback_info info) { return call_impl(env, info, false); }

napi_value js_find_op(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "findOp", [&] {
    std::string overload = type_of(env, a[1]) == napi_string ? get_string(env, a[1], "overload") : "";
    return make_int(env, find_op(env, get_string(env, a[0], "name"), overload));
  });
}

napi_value js_op_schema(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "opSchema", [&] { return make_string(env, op_schema(env, get_int(env, a[0], "op id"))); });
}

}  // namespace zc
