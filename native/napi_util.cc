#include "napi_util.h"
#include <c10/util/Exception.h>

namespace zc {

void check_napi(napi_env env, napi_status status, const char* call) {
  if (status == napi_ok) return;
  const napi_extended_error_info* info = nullptr;
  std::string detail;
  if (napi_get_last_error_info(env, &info) == napi_ok && info && info->error_message) detail = info->error_message;
  else detail = "status " + std::to_string(static_cast<int>(status));
  throw JsError(std::string("zooclip: Node-API call ") + call + " failed: " + detail);
}

void throw_js(napi_env env, const std::string& msg) noexcept {
  // Both statuses are deliberately ignored: this is the last resort of every error path, and a
  // failure here leaves nothing better to report to.
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok) return;
  if (!pending) napi_throw_error(env, nullptr, msg.c_str());
}

std::string describe_exception(const std::exception& e) {
  if (auto* ce = dynamic_cast<const c10::Error*>(&e)) {
    std::string m = ce->what_without_backtrace();
    // libtorch appends "Exception raised from ..." lines; keep the first paragraph.
    auto cut = m.find("\nException raised from");
    if (cut != std::string::npos) m = m.substr(0, cut);
    return m;
  }
  return e.what();
}

HandleScope::HandleScope(napi_env env) : env_(env) {
  ZC_NAPI(env, napi_open_handle_scope(env, &scope_));
}

HandleScope::~HandleScope() {
  // A destructor cannot throw; closing a scope we opened only fails on a broken environment.
  if (scope_) napi_close_handle_scope(env_, scope_);
}

napi_value make_int(napi_env env, int64_t v) {
  napi_value r;
  if (v >= INT32_MIN && v <= INT32_MAX) ZC_NAPI(env, napi_create_int32(env, static_cast<int32_t>(v), &r));
  else ZC_NAPI(env, napi_create_double(env, static_cast<double>(v), &r));
  return r;
}
napi_value make_double(napi_env env, double v) {
  napi_value r;
  ZC_NAPI(env, napi_create_double(env, v, &r));
  return r;
}
napi_value make_bool(napi_env env, bool v) {
  napi_value r;
  ZC_NAPI(env, napi_get_boolean(env, v, &r));
  return r;
}
napi_value make_string(napi_env env, const std::string& s) {
  napi_value r;
  ZC_NAPI(env, napi_create_string_utf8(env, s.data(), s.size(), &r));
  return r;
}
napi_value make_array(napi_env env, size_t n) {
  napi_value r;
  ZC_NAPI(env, napi_create_array_with_length(env, n, &r));
  return r;
}
void set_element(napi_env env, napi_value arr, uint32_t i, napi_value v) {
  ZC_NAPI(env, napi_set_element(env, arr, i, v));
}
void set_property(napi_env env, napi_value obj, const char* name, napi_value v) {
  ZC_NAPI(env, napi_set_named_property(env, obj, name, v));
}
napi_value undefined(napi_env env) {
  napi_value r;
  ZC_NAPI(env, napi_get_undefined(env, &r));
  return r;
}
napi_value null_value(napi_env env) {
  napi_value r;
  ZC_NAPI(env, napi_get_null(env, &r));
  return r;
}

napi_valuetype type_of(napi_env env, napi_value v) {
  napi_valuetype t = napi_undefined;
  if (v) ZC_NAPI(env, napi_typeof(env, v, &t));
  return t;
}

int64_t get_int(napi_env env, napi_value v, const char* what) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) throw JsError(std::string(what) + ": expected a number");
  if (d != static_cast<double>(static_cast<int64_t>(d))) throw JsError(std::string(what) + ": expected an integer, got " + std::to_string(d));
  return static_cast<int64_t>(d);
}
double get_double(napi_env env, napi_value v, const char* what) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) throw JsError(std::string(what) + ": expected a number");
  return d;
}
bool get_bool(napi_env env, napi_value v, const char* what) {
  bool b;
  if (napi_get_value_bool(env, v, &b) != napi_ok) throw JsError(std::string(what) + ": expected a boolean");
  return b;
}
std::string get_string(napi_env env, napi_value v, const char* what) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) throw JsError(std::string(what) + ": expected a string");
  std::string s(len, '\0');
  ZC_NAPI(env, napi_get_value_string_utf8(env, v, s.data(), len + 1, &len));
  return s;
}
bool is_array(napi_env env, napi_value v) {
  bool r = false;
  ZC_NAPI(env, napi_is_array(env, v, &r));
  return r;
}
uint32_t array_length(napi_env env, napi_value v) {
  uint32_t n = 0;
  ZC_NAPI(env, napi_get_array_length(env, v, &n));
  return n;
}
napi_value array_get(napi_env env, napi_value arr, uint32_t i) {
  napi_value r;
  ZC_NAPI(env, napi_get_element(env, arr, i, &r));
  return r;
}

std::vector<int64_t> get_int_list(napi_env env, napi_value v, const char* what) {
  if (!is_array(env, v)) {
    if (type_of(env, v) == napi_number) return {get_int(env, v, what)};
    throw JsError(std::string(what) + ": expected an array of integers");
  }
  uint32_t n = array_length(env, v);
  std::vector<int64_t> out(n);
  for (uint32_t i = 0; i < n; ++i) out[i] = get_int(env, array_get(env, v, i), what);
  return out;
}

Args::Args(napi_env env, napi_callback_info info) {
  // Runs before any guarded block, so a failure here is reported as a pending JS error with
  // empty arguments rather than thrown out of the callback.
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) {
    argc = 0;
    for (auto& v : argv) v = nullptr;
    throw_js(env, "zooclip: Node-API call napi_get_cb_info failed");
    return;
  }
  // Node-API fills the slots past the actual count with undefined.
  if (argc > kMax) argc = kMax;
}

void export_fn(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value fn;
  ZC_NAPI(env, napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn));
  set_property(env, exports, name, fn);
}

}  // namespace zc
