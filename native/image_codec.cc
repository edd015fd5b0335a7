// Format detection by signature and dispatch to the per-format decoders.
#include <cstdio>
#include <cstring>
#include "image_codec.h"

namespace zc::img {

const char* format_name(Format f) {
  switch (f) {
    case Format::Jpeg: return "jpeg";
    case Format::Png: return "png";
    default: return "webp";
  }
}

void check_pixels(const char* format, int width, int height, uint64_t max_pixels) {
  const uint64_t n = static_cast<uint64_t>(width) * static_cast<uint64_t>(height);
  if (n > max_pixels) {
    throw ImageError(std::string(format) + ": image too large: " + std::to_string(width) + " x " + std::to_string(height) + " = " +
                     std::to_string(n) + " pixels, over the limit of " + std::to_string(max_pixels) + " (maxPixels)");
  }
}

Format sniff(const uint8_t* p, size_t n) {
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) return Format::Jpeg;
  if (n >= 8 && std::memcmp(p, kPng, 8) == 0) return Format::Png;
  if (n >= 12 && std::memcmp(p, "RIFF", 4) == 0 && std::memcmp(p + 8, "WEBP", 4) == 0) return Format::Webp;
  if (n == 0) throw ImageError("empty buffer: not an image");
  std::string head;
  char hex[4];
  for (size_t i = 0; i < n && i < 8; ++i) {
    std::snprintf(hex, sizeof hex, "%02x", p[i]);
    head += hex;
  }
  throw ImageError("unrecognised image format (not JPEG, PNG or WebP; first bytes " + head + ")");
}

Info probe(const uint8_t* p, size_t n) {
  switch (sniff(p, n)) {
    case Format::Jpeg: return jpeg_probe(p, n);
    case Format::Png: return png_probe(p, n);
    default: return webp_probe(p, n);
  }
}

void decode(const uint8_t* p, size_t n, const DecodeHint& hint, Image& img, int* scale_num) {
  if (scale_num) *scale_num = 8;
  switch (sniff(p, n)) {
    case Format::Jpeg: jpeg_decode(p, n, hint, img, scale_num); break;
    case Format::Png: png_decode(p, n, hint, img); break;
    default: webp_decode(p, n, hint, img); break;
  }
  if (hint.mode == DecodeHint::Rgb) to_rgb8(img);
}

void to_rgb8(Image& img) {
  if (img.channels == 3 && img.bits == 8) return;
  if (img.bits != 8) throw ImageError("to RGB: 16-bit samples need an explicit conversion");
  // Rgb decodes already give 3 channels; this only runs for unusual inputs, so a copy is fine.
  size_t n = static_cast<size_t>(img.width) * img.height;
  std::vector<uint8_t> out(n * 3);
  const uint8_t* s = img.data.data();
  const int c = img.channels;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* px = s + i * c;
    uint8_t* o = out.data() + i * 3;
    if (c < 3) o[0] = o[1] = o[2] = px[0];  // gray (alpha dropped)
    else { o[0] = px[0]; o[1] = px[1]; o[2] = px[2]; }
  }
  img.data = std::move(out);
  img.channels = 3;
}

}  // namespace zc::img
