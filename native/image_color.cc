// Colour jitter on 8-bit RGB crops, in the worker that made them (cheaper than float tensor ops
// on the main thread). Blends follow torchvision's adjust_brightness/contrast/saturation.
#include <algorithm>
#include <cmath>
#include "image_ops.h"

namespace zc::img {

namespace {

inline float gray_of(const uint8_t* p) { return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]; }
inline uint8_t clamp8(float v) { return static_cast<uint8_t>(std::clamp(v + 0.5f, 0.f, 255.f)); }

}  // namespace

void adjust_color(uint8_t* px, int w, int h, int op, float factor) {
  const size_t n = static_cast<size_t>(w) * h;
  if (op == 0) {  // brightness: blend with black
    for (size_t i = 0; i < n * 3; ++i) px[i] = clamp8(px[i] * factor);
  } else if (op == 1) {  // contrast: blend with the mean of the grayscale image
    double sum = 0;
    // torchvision rounds the grayscale image to integers before taking its mean
    for (size_t i = 0; i < n; ++i) sum += std::floor(gray_of(px + i * 3) + 0.5f);
    const float mean = static_cast<float>(sum / static_cast<double>(n ? n : 1));
    const float base = (1.f - factor) * mean;
    for (size_t i = 0; i < n * 3; ++i) px[i] = clamp8(factor * px[i] + base);
  } else if (op == 2) {  // saturation: blend with each pixel's gray
    for (size_t i = 0; i < n; ++i) {
      uint8_t* p = px + i * 3;
      const float g = (1.f - factor) * std::floor(gray_of(p) + 0.5f);
      for (int c = 0; c < 3; ++c) p[c] = clamp8(factor * p[c] + g);
    }
  } else {
    throw ImageError("colour jitter: unknown op " + std::to_string(op) + " (0 brightness, 1 contrast, 2 saturation)");
  }
}

}  // namespace zc::img
