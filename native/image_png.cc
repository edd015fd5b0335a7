// PNG through libspng: 8-bit images, 16-bit gray (depth maps) and raw palette indices (masks).
#include <spng.h>
#include <cstdlib>
#include <memory>
#include "image_codec.h"

namespace zc::img {

namespace {

constexpr uint32_t kMaxSide = 1u << 15;          // refuse absurd headers before allocating
constexpr size_t kMaxChunk = 64u << 20;          // bytes of one ancillary chunk / all of them

using CtxPtr = std::unique_ptr<spng_ctx, void (*)(spng_ctx*)>;

CtxPtr open_decoder(const uint8_t* p, size_t n) {
  CtxPtr ctx(spng_ctx_new(0), spng_ctx_free);
  if (!ctx) throw ImageError("PNG: could not create a libspng context");
  spng_set_image_limits(ctx.get(), kMaxSide, kMaxSide);
  spng_set_chunk_limits(ctx.get(), kMaxChunk, kMaxChunk);
  spng_set_png_buffer(ctx.get(), p, n);
  return ctx;
}

void check(int rc, const char* what) {
  if (rc != 0) throw ImageError(std::string("PNG: ") + what + ": " + spng_strerror(rc));
}

spng_ihdr read_ihdr(spng_ctx* ctx) {
  spng_ihdr ihdr{};
  check(spng_get_ihdr(ctx, &ihdr), "cannot read the header");
  return ihdr;
}

int stored_channels(const spng_ihdr& h) {
  switch (h.color_type) {
    case SPNG_COLOR_TYPE_GRAYSCALE: return 1;
    case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA: return 2;
    case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA: return 4;
    default: return 3;  // truecolor, indexed
  }
}

// Sub-byte samples (1, 2, 4 bits) packed MSB-first in rows padded to a byte, unpacked unscaled.
void unpack_bits(const std::vector<uint8_t>& packed, Image& img, int bit_depth) {
  size_t in_row = (static_cast<size_t>(img.width) * bit_depth + 7) / 8;
  int per_byte = 8 / bit_depth, mask = (1 << bit_depth) - 1;
  uint8_t* out = img.alloc();
  for (int y = 0; y < img.height; ++y) {
    const uint8_t* src = packed.data() + y * in_row;
    uint8_t* dst = out + static_cast<size_t>(y) * img.width;
    for (int x = 0; x < img.width; ++x) {
      int shift = 8 - bit_depth * (x % per_byte + 1);
      dst[x] = static_cast<uint8_t>((src[x / per_byte] >> shift) & mask);
    }
  }
}

}  // namespace

Info png_probe(const uint8_t* p, size_t n) {
  CtxPtr ctx = open_decoder(p, n);
  spng_ihdr h = read_ihdr(ctx.get());
  return Info{Format::Png, static_cast<int>(h.width), static_cast<int>(h.height), stored_channels(h), h.bit_depth == 16 ? 16 : 8};
}

void png_decode(const uint8_t* p, size_t n, const DecodeHint& hint, Image& img) {
  CtxPtr ctx = open_decoder(p, n);
  spng_ihdr h = read_ihdr(ctx.get());
  check_pixels("PNG", static_cast<int>(h.width), static_cast<int>(h.height), hint.max_pixels);
  img.bits = 8;
  img.width = static_cast<int>(h.width);
  img.height = static_cast<int>(h.height);
  bool gray = h.color_type == SPNG_COLOR_TYPE_GRAYSCALE, indexed = h.color_type == SPNG_COLOR_TYPE_INDEXED;
  bool sub_byte = h.bit_depth < 8;
  int fmt;
  if (hint.mode == DecodeHint::Rgb || (indexed && hint.mode == DecodeHint::Native)) {
    fmt = SPNG_FMT_RGB8;
    img.channels = 3;
  } else if (sub_byte && gray && hint.mode == DecodeHint::Native) {
    fmt = SPNG_FMT_G8;  // scaled to 0..255 like other viewers
    img.channels = 1;
  } else {
    fmt = SPNG_FMT_PNG;  // stored layout, host-endian; sub-byte samples stay packed (unpacked below)
    img.channels = stored_channels(h);
    if (indexed) img.channels = 1;
    img.bits = h.bit_depth == 16 ? 16 : 8;
  }
  size_t len = 0;
  check(spng_decoded_image_size(ctx.get(), fmt, &len), "cannot size the image");
  if (fmt == SPNG_FMT_PNG && sub_byte) {
    std::vector<uint8_t> packed(len);
    check(spng_decode_image(ctx.get(), packed.data(), len, fmt, 0), "decode failed");
    unpack_bits(packed, img, h.bit_depth);
  } else {
    if (len != img.bytes()) throw ImageError("PNG: unexpected decoded size");
    check(spng_decode_image(ctx.get(), img.alloc(), len, fmt, 0), "decode failed");
  }
}

std::vector<uint8_t> png_encode(const uint8_t* px, int w, int h, int channels, int bits) {
  if (channels < 1 || channels > 4) throw ImageError("PNG encode: need 1..4 channels");
  if (bits != 8 && bits != 16) throw ImageError("PNG encode: bit depth must be 8 or 16");
  static const uint8_t kColor[5] = {0, SPNG_COLOR_TYPE_GRAYSCALE, SPNG_COLOR_TYPE_GRAYSCALE_ALPHA, SPNG_COLOR_TYPE_TRUECOLOR,
                                    SPNG_COLOR_TYPE_TRUECOLOR_ALPHA};
  CtxPtr ctx(spng_ctx_new(SPNG_CTX_ENCODER), spng_ctx_free);
  if (!ctx) throw ImageError("PNG encode: could not create a libspng context");
  spng_set_option(ctx.get(), SPNG_ENCODE_TO_BUFFER, 1);
  spng_ihdr ihdr{static_cast<uint32_t>(w), static_cast<uint32_t>(h), static_cast<uint8_t>(bits), kColor[channels], 0, 0, 0};
  check(spng_set_ihdr(ctx.get(), &ihdr), "encode: bad header");
  size_t len = static_cast<size_t>(w) * h * channels * (bits / 8);
  check(spng_encode_image(ctx.get(), px, len, SPNG_FMT_PNG, SPNG_ENCODE_FINALIZE), "encode failed");
  int err = 0;
  size_t out_len = 0;
  void* buf = spng_get_png_buffer(ctx.get(), &out_len, &err);
  if (!buf) throw ImageError(std::string("PNG encode: no output: ") + spng_strerror(err));
  std::vector<uint8_t> v(static_cast<uint8_t*>(buf), static_cast<uint8_t*>(buf) + out_len);
  std::free(buf);
  return v;
}

}  // namespace zc::img
