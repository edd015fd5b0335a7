// RandAugment's 14 ops on 8-bit RGB HWC with torchvision's semantics for uint8 tensors
// (transforms.functional on tensors, as RandAugment applies them): blends computed in float32 and
// truncated to uint8, affine warps through the same float32 grid arithmetic as torchvision's
// affine grid + grid_sample (nearest, align_corners=False, 0 outside), so results match bit for bit
// except where a sample point lies within float error of a pixel boundary.
// The float order of operations matters here, so no contraction into fused multiply-adds beyond
// the one torch's grid product has (see warp()).
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>
#include "image_ops.h"

namespace zc::img {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Python's math.radians / math.degrees multiply by these constants (CPython's mathmodule).
double radians(double deg) { return deg * (kPi / 180.0); }
double degrees(double rad) { return rad * (180.0 / kPi); }

// torchvision's _get_inverse_affine_matrix (scale 1): the output-to-input map about `c` (pixel
// coordinates whose origin is the image centre), in double as Python computes it.
std::array<double, 6> inverse_affine(double cx, double cy, double angle_deg, double tx, double ty, double shear_x_deg, double shear_y_deg) {
  const double rot = radians(angle_deg), sx = radians(shear_x_deg), sy = radians(shear_y_deg);
  const double a = std::cos(rot - sy) / std::cos(sy);
  const double b = -std::cos(rot - sy) * std::tan(sx) / std::cos(sy) - std::sin(rot);
  const double c = std::sin(rot - sy) / std::cos(sy);
  const double d = -std::sin(rot - sy) * std::tan(sx) / std::cos(sy) + std::cos(rot);
  std::array<double, 6> m{d, -b, 0.0, -c, a, 0.0};
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

// float -> nearest integer, halves to even (as grid_sample's round), without a libm call: adding
// and subtracting 1.5 * 2^23 rounds in the current (nearest-even) mode; exact for |v| < 2^22.
inline float round_half_even(float v) {
  constexpr float kMagic = 12582912.f;
  v = std::min(std::max(v, -4194304.f), 4194304.f);
  const float t = v + kMagic;  // not folded: without -ffast-math, (v + M) - M is not v
  return t - kMagic;
}

// Nearest-neighbour warp by an inverse affine matrix: for each output pixel, the grid point
// (x, y, 1) . theta^T / (w/2, h/2) as torch's bmm computes it (x*a, then fma(y, b, .), then + c,
// in float32), unnormalised as grid_sample does ((g + 1) * size/2 - 0.5), rounded half to even.
// Built twice on x86-64 GCC: with hardware FMA, and a portable version (libm's exact fmaf).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("fma", "default")))
#endif
void warp(uint8_t* px, int w, int h, const std::array<double, 6>& m, std::vector<uint8_t>& src) {
  src.assign(px, px + static_cast<size_t>(w) * h * 3);
  const float hw = static_cast<float>(0.5 * w), hh = static_cast<float>(0.5 * h);
  float r[6];
  for (int k = 0; k < 3; ++k) r[k] = static_cast<float>(m[k]) / hw;
  for (int k = 0; k < 3; ++k) r[3 + k] = static_cast<float>(m[3 + k]) / hh;
  const float sw = static_cast<float>(w) / 2, sh = static_cast<float>(h) / 2;
  std::vector<float> xa(w), xb(w);  // x * a and x * d, the same for every row
  for (int j = 0; j < w; ++j) {
    const float x = static_cast<float>(-w * 0.5 + 0.5 + j);
    xa[j] = x * r[0], xb[j] = x * r[3];
  }
  for (int i = 0; i < h; ++i) {
    const float y = static_cast<float>(-h * 0.5 + 0.5 + i);
    uint8_t* o = px + static_cast<size_t>(i) * w * 3;
    for (int j = 0; j < w; ++j, o += 3) {
      const float gx = std::fma(y, r[1], xa[j]) + r[2];
      const float gy = std::fma(y, r[4], xb[j]) + r[5];
      const float ix = round_half_even((gx + 1.f) * sw - 0.5f), iy = round_half_even((gy + 1.f) * sh - 0.5f);
      if (ix >= 0 && ix < w && iy >= 0 && iy < h) {
        const uint8_t* s = src.data() + (static_cast<size_t>(iy) * w + static_cast<size_t>(ix)) * 3;
        o[0] = s[0], o[1] = s[1], o[2] = s[2];
      } else {
        o[0] = o[1] = o[2] = 0;
      }
    }
  }
}

// torch's float -> uint8 after clamp(0, 255): truncation.
inline uint8_t to_u8(float v) { return static_cast<uint8_t>(std::min(std::max(v, 0.f), 255.f)); }

// _blend(img, other, ratio): ratio * img + (1 - ratio) * other in float32 (the Python scalars
// rounded to float32 as torch's scalar ops do).
struct Blend {
  float r, q;
  explicit Blend(double ratio) : r(static_cast<float>(ratio)), q(static_cast<float>(1.0 - ratio)) {}
  uint8_t operator()(uint8_t x, float other) const { return to_u8(r * static_cast<float>(x) + q * other); }
};

// rgb_to_grayscale on uint8: (0.2989 r + 0.587 g + 0.114 b) in float32, truncated.
inline uint8_t gray(const uint8_t* p) {
  return static_cast<uint8_t>(0.2989f * static_cast<float>(p[0]) + 0.587f * static_cast<float>(p[1]) + 0.114f * static_cast<float>(p[2]));
}

// Ops whose output value depends only on the input value (and per-image constants) go through a
// 256-entry table: the same arithmetic, once per level instead of once per value.
void apply_lut(uint8_t* px, size_t count, const uint8_t* lut) {
  for (size_t i = 0; i < count; ++i) px[i] = lut[px[i]];
}

void brightness(uint8_t* px, size_t n, double factor) {
  const Blend blend(factor);
  uint8_t lut[256];
  for (int v = 0; v < 256; ++v) lut[v] = blend(static_cast<uint8_t>(v), 0.f);
  apply_lut(px, n * 3, lut);
}

void saturation(uint8_t* px, size_t n, double factor) {
  const Blend blend(factor);
  for (size_t i = 0; i < n; ++i) {
    uint8_t* p = px + i * 3;
    const float g = gray(p);
    for (int c = 0; c < 3; ++c) p[c] = blend(p[c], g);
  }
}

void contrast(uint8_t* px, size_t n, double factor) {
  // The mean of the truncated gray image: torch sums it in float32, exactly while the sum stays
  // below 2^24 (images up to 65793 pixels), so the correctly rounded sum / n is its value there.
  uint64_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum += gray(px + i * 3);
  const float mean = static_cast<float>(sum) / static_cast<float>(n);
  const Blend blend(factor);
  uint8_t lut[256];
  for (int v = 0; v < 256; ++v) lut[v] = blend(static_cast<uint8_t>(v), mean);
  apply_lut(px, n * 3, lut);
}

// Blend with the image smoothed by [[1 1 1] [1 5 1] [1 1 1]] / 13 (rounded to integers; the
// border rows and columns keep their pixels). k / 13 is never within 1/26 of a half, so integer
// rounding equals torch's float32 conv + round.
void sharpness(uint8_t* px, int w, int h, double factor, std::vector<uint8_t>& src) {
  if (w <= 2 || h <= 2) return;
  src.assign(px, px + static_cast<size_t>(w) * h * 3);
  const Blend blend(factor);
  const size_t row = static_cast<size_t>(w) * 3;
  for (int i = 0; i < h; ++i) {
    for (int j = 0; j < w; ++j) {
      const size_t at = i * row + static_cast<size_t>(j) * 3;
      const bool border = i == 0 || j == 0 || i == h - 1 || j == w - 1;
      for (int c = 0; c < 3; ++c) {
        float blurred = src[at + c];
        if (!border) {
          const uint8_t* s = src.data() + at + c;
          const int k = s[-row - 3] + s[-row] + s[-row + 3] + s[-3] + 5 * s[0] + s[3] + s[row - 3] + s[row] + s[row + 3];
          blurred = static_cast<float>((2 * k + 13) / 26);
        }
        px[at + c] = blend(src[at + c], blurred);
      }
    }
  }
}

void posterize(uint8_t* px, size_t n, double magnitude) {
  const int bits = static_cast<int>(magnitude);  // Python's int(): toward zero
  if (bits < 0 || bits > 8) throw ImageError("RandAugment Posterize: bits must be in 0..8, got " + std::to_string(bits));
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - bits));
  for (size_t i = 0; i < n * 3; ++i) px[i] &= mask;
}

void solarize(uint8_t* px, size_t n, double threshold) {
  const float t = static_cast<float>(threshold);
  uint8_t lut[256];
  for (int v = 0; v < 256; ++v) lut[v] = static_cast<float>(v) >= t ? static_cast<uint8_t>(255 - v) : static_cast<uint8_t>(v);
  apply_lut(px, n * 3, lut);
}

void autocontrast(uint8_t* px, size_t n) {
  for (int c = 0; c < 3; ++c) {
    uint8_t lo = 255, hi = 0;
    for (size_t i = 0; i < n; ++i) lo = std::min(lo, px[i * 3 + c]), hi = std::max(hi, px[i * 3 + c]);
    float minimum = lo, scale = 1.f;
    // Python's 255.0 / tensor is tensor.reciprocal() * 255 in torch: two roundings, not one.
    if (hi > lo) scale = (1.f / static_cast<float>(hi - lo)) * 255.f;
    else minimum = 0.f;  // torch: a non-finite scale leaves the channel as it is
    uint8_t lut[256];
    for (int v = 0; v < 256; ++v) lut[v] = to_u8((static_cast<float>(v) - minimum) * scale);
    for (size_t i = 0; i < n; ++i) px[i * 3 + c] = lut[px[i * 3 + c]];
  }
}

// Per channel: the histogram's cumulative counts, spread over 0..255 in steps of (all pixels but
// those of the last occupied level) / 255, as torchvision's tensor equalize does it.
void equalize(uint8_t* px, size_t n) {
  for (int c = 0; c < 3; ++c) {
    int64_t hist[256] = {0};
    for (size_t i = 0; i < n; ++i) ++hist[px[i * 3 + c]];
    int last = 255;
    while (last > 0 && hist[last] == 0) --last;
    int64_t total = 0;
    for (int v = 0; v < last; ++v) total += hist[v];
    const int64_t step = total / 255;
    if (step == 0) continue;
    uint8_t lut[256];
    int64_t cum = 0;
    for (int v = 0; v < 256; ++v) {
      lut[v] = static_cast<uint8_t>(std::min<int64_t>((cum + step / 2) / step, 255));
      cum += hist[v];
    }
    for (size_t i = 0; i < n; ++i) px[i * 3 + c] = lut[px[i * 3 + c]];
  }
}

}  // namespace

void rand_augment_op(uint8_t* px, int w, int h, int op, double magnitude, std::vector<uint8_t>& scratch) {
  if (!std::isfinite(magnitude)) throw ImageError("RandAugment: magnitude of op " + std::to_string(op) + " is not finite");
  if (op >= static_cast<int>(AugOp::Brightness) && op <= static_cast<int>(AugOp::Sharpness) && !(1.0 + magnitude >= 0)) {
    throw ImageError("RandAugment: op " + std::to_string(op) + " needs a blend factor 1 + magnitude >= 0, got magnitude " + std::to_string(magnitude));
  }
  const size_t n = static_cast<size_t>(w) * h;
  const double cx = -0.5 * w, cy = -0.5 * h;  // pixel (0, 0)'s corner, relative to the centre
  switch (static_cast<AugOp>(op)) {
    case AugOp::Identity: return;
    case AugOp::ShearX: return warp(px, w, h, inverse_affine(cx, cy, 0, 0, 0, degrees(std::atan(magnitude)), 0), scratch);
    case AugOp::ShearY: return warp(px, w, h, inverse_affine(cx, cy, 0, 0, 0, 0, degrees(std::atan(magnitude))), scratch);
    case AugOp::TranslateX: return warp(px, w, h, inverse_affine(0, 0, 0, std::trunc(magnitude), 0, 0, 0), scratch);
    case AugOp::TranslateY: return warp(px, w, h, inverse_affine(0, 0, 0, 0, std::trunc(magnitude), 0, 0), scratch);
    case AugOp::Rotate: return warp(px, w, h, inverse_affine(0, 0, -magnitude, 0, 0, 0, 0), scratch);
    case AugOp::Brightness: return brightness(px, n, 1.0 + magnitude);
    case AugOp::Color: return saturation(px, n, 1.0 + magnitude);
    case AugOp::Contrast: return contrast(px, n, 1.0 + magnitude);
    case AugOp::Sharpness: return sharpness(px, w, h, 1.0 + magnitude, scratch);
    case AugOp::Posterize: return posterize(px, n, magnitude);
    case AugOp::Solarize: return solarize(px, n, magnitude);
    case AugOp::AutoContrast: return autocontrast(px, n);
    case AugOp::Equalize: return equalize(px, n);
  }
  throw ImageError("RandAugment: unknown op " + std::to_string(op) + " (0..13: Identity, ShearX, ShearY, TranslateX, TranslateY, Rotate, Brightness, Color, Contrast, Sharpness, Posterize, Solarize, AutoContrast, Equalize)");
}

}  // namespace zc::img
