// Image decoding for the data loader: JPEG (TurboJPEG, with DCT-domain downscaling), PNG (libspng,
// 8 and 16 bit) and WebP (libwebp). Pure functions over byte buffers: no tensors, no Node-API, safe
// to call from several threads at once (each thread keeps its own TurboJPEG handles).
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace zc::img {

// A decode failure; the message names the format and what went wrong.
struct ImageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Format { Jpeg, Png, Webp };
const char* format_name(Format f);

// What the header says, without decoding pixels.
struct Info {
  Format format;
  int width = 0, height = 0;
  int channels = 0;  // as stored: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (palette PNG: 3 or 4)
  int bits = 8;      // 8, or 16 for 16-bit PNG
};

// Decoded pixels, row-major HWC; 16-bit samples are host-endian uint16. `data` may be longer than
// the image: a per-thread Image is reused across decodes and its buffer only grows (no zeroing,
// no page faults per image).
struct Image {
  int width = 0, height = 0, channels = 0, bits = 8;
  std::vector<uint8_t> data;
  size_t row_bytes() const { return static_cast<size_t>(width) * channels * (bits / 8); }
  size_t bytes() const { return row_bytes() * height; }
  // Sizes the buffer for the current width/height/channels/bits and returns it.
  uint8_t* alloc() {
    if (data.size() < bytes()) data.resize(bytes());
    return data.data();
  }
};

// Pixels an image may declare before it is refused, checked from the header before any pixel
// memory is allocated: Pillow's decompression-bomb limit (MAX_IMAGE_PIXELS, 2^30 / 4 / 3), about
// 256 MiB as 8-bit RGB. A tiny file can declare 30000 x 30000 pixels; without a budget, a few of
// them in flight exhaust memory.
constexpr uint64_t kDefaultMaxPixels = 89478485;

// Throws ImageError ("<format>: image too large: ...") when width * height exceeds max_pixels.
void check_pixels(const char* format, int width, int height, uint64_t max_pixels);

// How to decode.
struct DecodeHint {
  // Largest width * height accepted (see kDefaultMaxPixels).
  uint64_t max_pixels = kDefaultMaxPixels;
  // JPEG only: the decoded image must keep at least this many pixels (0 = full size); the
  // smallest DCT scale k/8 that satisfies both is used.
  int min_width = 0, min_height = 0;
  // Output layout: Rgb forces 3 channels (gray replicated, alpha dropped, as PIL's convert('RGB'));
  // Native keeps the stored channels and bit depth (palette PNGs become RGB(A)); Raw is Native but
  // palette PNGs give their indices (class-index masks).
  enum Mode { Rgb, Native, Raw } mode = Rgb;
};

Format sniff(const uint8_t* p, size_t n);  // throws ImageError on unknown signatures
Info probe(const uint8_t* p, size_t n);
// Decodes into out (reusing its buffer); *scale_num receives the JPEG DCT scale numerator over 8
// (8 for other formats).
void decode(const uint8_t* p, size_t n, const DecodeHint& hint, Image& out, int* scale_num = nullptr);

// Per-format entry points (image_jpeg.cc, image_png.cc, image_webp.cc).
Info jpeg_probe(const uint8_t* p, size_t n);
void jpeg_decode(const uint8_t* p, size_t n, const DecodeHint& hint, Image& img, int* scale_num);
std::vector<uint8_t> jpeg_encode(const uint8_t* px, int w, int h, int channels, int quality);
Info png_probe(const uint8_t* p, size_t n);
void png_decode(const uint8_t* p, size_t n, const DecodeHint& hint, Image& img);
std::vector<uint8_t> png_encode(const uint8_t* px, int w, int h, int channels, int bits);
Info webp_probe(const uint8_t* p, size_t n);
void webp_decode(const uint8_t* p, size_t n, const DecodeHint& hint, Image& img);

// Converts 1-, 2- or 4-channel 8-bit pixels to RGB (gray replicated, alpha dropped).
void to_rgb8(Image& img);

}  // namespace zc::img
