// JS bindings of decoding, crop/resize, colour jitter and RandAugment. Re-entrant: no globals, no tensor
// handles, results in fresh ArrayBuffers that a worker can transfer to the main thread.
#include <cmath>
#include <cstring>
#include "image_codec.h"
#include "image_napi.h"
#include "image_ops.h"
#include "napi_util.h"

namespace zc {

using img::DecodeHint;
using img::Image;

Bytes get_bytes(napi_env env, napi_value v, const char* what) {
  Bytes b;
  bool yes = false;
  void* data = nullptr;
  if (napi_is_typedarray(env, v, &yes) == napi_ok && yes) {
    napi_typedarray_type tt;
    size_t n, off;
    napi_value ab;
    ZC_NAPI(env, napi_get_typedarray_info(env, v, &tt, &n, &data, &ab, &off));
    b.element = (tt == napi_uint16_array || tt == napi_int16_array) ? 2 : (tt == napi_float32_array || tt == napi_int32_array || tt == napi_uint32_array) ? 4 : (tt == napi_float64_array || tt == napi_bigint64_array || tt == napi_biguint64_array) ? 8 : 1;
    b.len = n * b.element;
  } else if (napi_is_dataview(env, v, &yes) == napi_ok && yes) {
    napi_value ab;
    size_t off;
    ZC_NAPI(env, napi_get_dataview_info(env, v, &b.len, &data, &ab, &off));
  } else if (napi_is_arraybuffer(env, v, &yes) == napi_ok && yes) {
    ZC_NAPI(env, napi_get_arraybuffer_info(env, v, &data, &b.len));
  } else {
    throw JsError(std::string(what) + ": expected a Buffer, typed array or ArrayBuffer");
  }
  b.data = static_cast<uint8_t*>(data);
  return b;
}

namespace {

napi_value prop(napi_env env, napi_value obj, const char* name) {
  napi_value v = nullptr;
  if (type_of(env, obj) == napi_object) ZC_NAPI(env, napi_get_named_property(env, obj, name, &v));
  return v;
}
// Each thread decodes into its own reusable image buffer; one left huge by a rare giant image is
// given back rather than kept for the thread's lifetime.
Image& scratch() {
  thread_local Image im;
  if (im.data.size() > (64u << 20)) std::vector<uint8_t>().swap(im.data);
  return im;
}

bool has(napi_env env, napi_value v) { napi_valuetype t = type_of(env, v); return t != napi_undefined && t != napi_null; }

DecodeHint::Mode parse_mode(napi_env env, napi_value v, DecodeHint::Mode dflt) {
  if (!has(env, v)) return dflt;
  std::string m = get_string(env, v, "mode");
  if (m == "rgb") return DecodeHint::Rgb;
  if (m == "native") return DecodeHint::Native;
  if (m == "raw") return DecodeHint::Raw;
  throw JsError("mode must be 'rgb', 'native' or 'raw', got '" + m + "'");
}

// opts.maxPixels: the pixel budget (default img::kDefaultMaxPixels).
uint64_t parse_max_pixels(napi_env env, napi_value opts) {
  napi_value v = prop(env, opts, "maxPixels");
  if (!has(env, v)) return img::kDefaultMaxPixels;
  double d = get_double(env, v, "maxPixels");
  if (!(d >= 1) || d > 9007199254740991.0 || std::floor(d) != d) throw JsError("maxPixels must be a positive integer, got " + std::to_string(d));
  return static_cast<uint64_t>(d);
}

img::Filter parse_filter(napi_env env, napi_value v) {
  if (!has(env, v)) return img::Filter::Bilinear;
  std::string f = get_string(env, v, "filter");
  if (f == "bilinear") return img::Filter::Bilinear;
  if (f == "bicubic") return img::Filter::Bicubic;
  if (f == "nearest") return img::Filter::Nearest;
  throw JsError("filter must be 'bilinear', 'bicubic' or 'nearest', got '" + f + "'");
}

// {width, height, channels, bits, scale, data: Uint8Array | Uint16Array} over a fresh ArrayBuffer.
napi_value make_result(napi_env env, int w, int h, int c, int bits, double scale, const uint8_t* px, uint8_t** out_ptr = nullptr) {
  size_t len = static_cast<size_t>(w) * h * c * (bits / 8);
  void* mem = nullptr;
  napi_value ab, arr, o;
  if (napi_create_arraybuffer(env, len, &mem, &ab) != napi_ok) throw JsError("out of memory for a " + std::to_string(len) + "-byte image");
  if (px && len) std::memcpy(mem, px, len);
  if (out_ptr) *out_ptr = static_cast<uint8_t*>(mem);
  ZC_NAPI(env, napi_create_typedarray(env, bits == 16 ? napi_uint16_array : napi_uint8_array, len / (bits / 8), ab, 0, &arr));
  ZC_NAPI(env, napi_create_object(env, &o));
  set_property(env, o, "width", make_int(env, w));
  set_property(env, o, "height", make_int(env, h));
  set_property(env, o, "channels", make_int(env, c));
  set_property(env, o, "bits", make_int(env, bits));
  set_property(env, o, "scale", make_double(env, scale));
  set_property(env, o, "data", arr);
  return o;
}

// imageInfo(buf) -> {format, width, height, channels, bits}
napi_value image_info(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "imageInfo", [&] {
    Bytes b = get_bytes(env, a[0], "imageInfo");
    img::Info i = img::probe(b.data, b.len);
    napi_value o;
    ZC_NAPI(env, napi_create_object(env, &o));
    set_property(env, o, "format", make_string(env, img::format_name(i.format)));
    set_property(env, o, "width", make_int(env, i.width));
    set_property(env, o, "height", make_int(env, i.height));
    set_property(env, o, "channels", make_int(env, i.channels));
    set_property(env, o, "bits", make_int(env, i.bits));
    return o;
  });
}

// decodeImage(buf, {minWidth?, minHeight?, mode?}) -> result (see make_result)
napi_value decode_image(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "decodeImage", [&] {
    Bytes b = get_bytes(env, a[0], "decodeImage");
    DecodeHint hint;
    napi_value mw = prop(env, a[1], "minWidth"), mh = prop(env, a[1], "minHeight");
    if (has(env, mw)) hint.min_width = static_cast<int>(get_int(env, mw, "minWidth"));
    if (has(env, mh)) hint.min_height = static_cast<int>(get_int(env, mh, "minHeight"));
    hint.mode = parse_mode(env, prop(env, a[1], "mode"), DecodeHint::Native);
    hint.max_pixels = parse_max_pixels(env, a[1]);
    int k = 8;
    Image& im = scratch();
    img::decode(b.data, b.len, hint, im, &k);
    return make_result(env, im.width, im.height, im.channels, im.bits, k / 8.0, im.data.data());
  });
}

// decodeCropResize(buf, {x, y, w, h}, outW, outH, flip, {filter?, fill?, mode?, dctScale?})
napi_value decode_crop_resize(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "decodeCropResize", [&] {
    Bytes b = get_bytes(env, a[0], "decodeCropResize");
    if (type_of(env, a[1]) != napi_object) throw JsError("crop must be an object {x, y, w, h}");
    img::Box box{get_double(env, prop(env, a[1], "x"), "crop.x"), get_double(env, prop(env, a[1], "y"), "crop.y"),
                 get_double(env, prop(env, a[1], "w"), "crop.w"), get_double(env, prop(env, a[1], "h"), "crop.h")};
    int out_w = static_cast<int>(get_int(env, a[2], "outW")), out_h = static_cast<int>(get_int(env, a[3], "outH"));
    bool flip = has(env, a[4]) && get_bool(env, a[4], "flip");
    if (out_w <= 0 || out_h <= 0 || out_w > 16384 || out_h > 16384) throw JsError("decodeCropResize: output size must be in 1..16384");
    if (!(box.w > 0 && box.h > 0) || !std::isfinite(box.x) || !std::isfinite(box.y)) throw JsError("decodeCropResize: crop needs finite x, y and positive w, h");
    img::Filter filter = parse_filter(env, prop(env, a[5], "filter"));
    bool nearest = filter == img::Filter::Nearest;
    DecodeHint hint;
    hint.mode = parse_mode(env, prop(env, a[5], "mode"), nearest ? DecodeHint::Raw : DecodeHint::Rgb);
    hint.max_pixels = parse_max_pixels(env, a[5]);
    napi_value fill_v = prop(env, a[5], "fill"), dct_v = prop(env, a[5], "dctScale");
    bool dct = !has(env, dct_v) || get_bool(env, dct_v, "dctScale");
    img::Info inf = img::probe(b.data, b.len);
    if (dct && !nearest && inf.format == img::Format::Jpeg) {
      // The whole image, scaled, must leave the crop at least out_w x out_h pixels.
      hint.min_width = static_cast<int>(std::ceil(out_w * inf.width / box.w - 1e-6));
      hint.min_height = static_cast<int>(std::ceil(out_h * inf.height / box.h - 1e-6));
    }
    int k = 8;
    Image& im = scratch();
    img::decode(b.data, b.len, hint, im, &k);
    const double sx = static_cast<double>(im.width) / inf.width, sy = static_cast<double>(im.height) / inf.height;
    img::Box scaled{box.x * sx, box.y * sy, box.w * sx, box.h * sy};
    uint8_t* out = nullptr;
    napi_value res = make_result(env, out_w, out_h, im.channels, im.bits, k / 8.0, nullptr, &out);
    if (nearest) img::resample_nearest(im, scaled, out_w, out_h, flip, has(env, fill_v) ? static_cast<uint32_t>(get_int(env, fill_v, "fill")) : 0, out);
    else img::resample_u8(im, scaled, out_w, out_h, filter, flip, out);
    return res;
  });
}

// colorJitter(rgbBytes, width, height, [op, factor, op, factor, ...]) -> undefined (in place)
napi_value color_jitter(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "colorJitter", [&] {
    Bytes b = get_bytes(env, a[0], "colorJitter");
    int w = static_cast<int>(get_int(env, a[1], "width")), h = static_cast<int>(get_int(env, a[2], "height"));
    if (w <= 0 || h <= 0 || b.len != static_cast<size_t>(w) * h * 3) throw JsError("colorJitter: buffer must hold width * height * 3 bytes (RGB)");
    if (!is_array(env, a[3]) || array_length(env, a[3]) % 2) throw JsError("colorJitter: ops must be a flat [op, factor, ...] array");
    for (uint32_t i = 0; i < array_length(env, a[3]); i += 2) {
      img::adjust_color(b.data, w, h, static_cast<int>(get_int(env, array_get(env, a[3], i), "op")),
                        static_cast<float>(get_double(env, array_get(env, a[3], i + 1), "factor")));
    }
    return undefined(env);
  });
}

// randAugment(rgbBytes, width, height, [op, magnitude, op, magnitude, ...]) -> undefined (in place)
napi_value rand_augment(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "randAugment", [&] {
    Bytes b = get_bytes(env, a[0], "randAugment");
    int w = static_cast<int>(get_int(env, a[1], "width")), h = static_cast<int>(get_int(env, a[2], "height"));
    if (w <= 0 || h <= 0 || b.len != static_cast<size_t>(w) * h * 3) throw JsError("randAugment: buffer must hold width * height * 3 bytes (RGB)");
    if (!is_array(env, a[3]) || array_length(env, a[3]) % 2) throw JsError("randAugment: steps must be a flat [op, magnitude, ...] array");
    thread_local std::vector<uint8_t> scratch;
    for (uint32_t i = 0; i < array_length(env, a[3]); i += 2) {
      img::rand_augment_op(b.data, w, h, static_cast<int>(get_int(env, array_get(env, a[3], i), "op")), get_double(env, array_get(env, a[3], i + 1), "magnitude"), scratch);
    }
    if (scratch.capacity() > (64u << 20)) std::vector<uint8_t>().swap(scratch);
    return undefined(env);
  });
}

napi_value to_node_buffer(napi_env env, const std::vector<uint8_t>& v) {
  napi_value buf;
  void* copy;
  ZC_NAPI(env, napi_create_buffer_copy(env, v.size(), v.data(), &copy, &buf));
  return buf;
}

// encodeJpeg(pixels, width, height, channels, quality) -> Buffer
napi_value encode_jpeg(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "encodeJpeg", [&] {
    Bytes b = get_bytes(env, a[0], "encodeJpeg");
    int w = static_cast<int>(get_int(env, a[1], "width")), h = static_cast<int>(get_int(env, a[2], "height"));
    int c = static_cast<int>(get_int(env, a[3], "channels")), q = has(env, a[4]) ? static_cast<int>(get_int(env, a[4], "quality")) : 90;
    if (w <= 0 || h <= 0 || b.len != static_cast<size_t>(w) * h * c) throw JsError("encodeJpeg: pixels must hold width * height * channels bytes");
    return to_node_buffer(env, img::jpeg_encode(b.data, w, h, c, q));
  });
}

// encodePng(pixels (Uint8Array, or Uint16Array for 16 bit), width, height, channels, bits) -> Buffer
napi_value encode_png(napi_env env, napi_callback_info info) {
  Args a(env, info);
  return guarded(env, "encodePng", [&] {
    Bytes b = get_bytes(env, a[0], "encodePng");
    int w = static_cast<int>(get_int(env, a[1], "width")), h = static_cast<int>(get_int(env, a[2], "height"));
    int c = static_cast<int>(get_int(env, a[3], "channels")), bits = has(env, a[4]) ? static_cast<int>(get_int(env, a[4], "bits")) : 8;
    if (w <= 0 || h <= 0 || b.len != static_cast<size_t>(w) * h * c * (bits / 8)) throw JsError("encodePng: pixels must hold width * height * channels samples");
    return to_node_buffer(env, img::png_encode(b.data, w, h, c, bits));
  });
}

}  // namespace

void register_image(napi_env env, napi_value exports) {
  export_fn(env, exports, "imageInfo", image_info);
  export_fn(env, exports, "decodeImage", decode_image);
  export_fn(env, exports, "decodeCropResize", decode_crop_resize);
  export_fn(env, exports, "colorJitter", color_jitter);
  export_fn(env, exports, "randAugment", rand_augment);
  export_fn(env, exports, "encodeJpeg", encode_jpeg);
  export_fn(env, exports, "encodePng", encode_png);
  register_image_batch(env, exports);
}

}  // namespace zc
