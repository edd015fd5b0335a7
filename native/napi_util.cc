#include "napi_util.h"
#include <c10/util/Exception.h>

namespace zc {

void throw_js(napi_env env, const std::string& msg) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
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

napi_value make_int(napi_env env, int64_t v) {
  napi_value r;
  if (v >= INT32_MIN && v <= INT32_MAX) napi_create_int32(env, static_cast<int32_t>(v), &r);
  else napi_create_double(env, static_cast<double>(v), &r);
  return r;
}
napi_value make_double(napi_env env, double v) { napi_value r; napi_create_double(env, v, &r); return r; }
napi_value make_bool(napi_env env, bool v) { napi_value r; napi_get_boolean(env, v, &r); return r; }
napi_value make_string(napi_env env, const std::string& s) {
  napi_value r; napi_create_string_utf8(env, s.data(), s.size(), &r); return r;
}
napi_value undefined(napi_env env) { napi_value r; napi_get_undefined(env, &r); return r; }
napi_value null_value(napi_env env) { napi_value r; napi_get_null(env, &r); return r; }

napi_valuetype type_of(napi_env env, napi_value v) {
  napi_valuetype t = napi_undefined;
  if (v) napi_typeof(env, v, &t);
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
  napi_get_value_string_utf8(env, v, s.data(), len + 1, &len);
  return s;
}
bool is_array(napi_env env, napi_value v) { bool r = false; napi_is_array(env, v, &r); return r; }
uint32_t array_length(napi_env env, napi_value v) { uint32_t n = 0; napi_get_array_length(env, v, &n); return n; }
napi_value array_get(napi_env env, napi_value arr, uint32_t i) { napi_value r; napi_get_element(env, arr, i, &r); return r; }

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
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  // Node-API fills the slots past the actual count with undefined.
  if (argc > kMax) argc = kMax;
}

void export_fn(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
  napi_set_named_property(env, exports, name, fn);
}

}  // namespace zc
