// WebP through libwebp (lossy and lossless, still images; animations give their first frame).
#include <webp/decode.h>
#include "image_codec.h"

namespace zc::img {

namespace {

WebPBitstreamFeatures features(const uint8_t* p, size_t n) {
  WebPBitstreamFeatures f{};
  VP8StatusCode rc = WebPGetFeatures(p, n, &f);
  if (rc != VP8_STATUS_OK) {
    static const char* kWhy[] = {"ok", "out of memory", "invalid parameter", "bitstream error", "unsupported feature",
                                 "suspended", "user abort", "not enough data (truncated)"};
    const char* why = rc >= 0 && rc < 8 ? kWhy[rc] : "unknown error";
    throw ImageError(std::string("WebP: cannot read the header: ") + why);
  }
  if (f.width <= 0 || f.height <= 0) throw ImageError("WebP: header gives an empty image");
  return f;
}

}  // namespace

Info webp_probe(const uint8_t* p, size_t n) {
  WebPBitstreamFeatures f = features(p, n);
  return Info{Format::Webp, f.width, f.height, f.has_alpha ? 4 : 3, 8};
}

void webp_decode(const uint8_t* p, size_t n, const DecodeHint& hint, Image& img) {
  WebPBitstreamFeatures f = features(p, n);
  check_pixels("WebP", f.width, f.height, hint.max_pixels);
  img.bits = 8;
  img.width = f.width;
  img.height = f.height;
  img.channels = (f.has_alpha && hint.mode != DecodeHint::Rgb) ? 4 : 3;
  uint8_t* px = img.alloc();
  int stride = img.width * img.channels;
  uint8_t* ok = img.channels == 4 ? WebPDecodeRGBAInto(p, n, px, img.bytes(), stride) : WebPDecodeRGBInto(p, n, px, img.bytes(), stride);
  if (!ok) throw ImageError("WebP: decode failed (corrupt or truncated data)");
}

}  // namespace zc::img
