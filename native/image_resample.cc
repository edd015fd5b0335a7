// Crop + resize + flip as two separable passes (horizontal into a float buffer over only the rows
// the vertical pass needs, then vertical), and nearest-neighbour resampling for label maps.
#include <algorithm>
#include <cmath>
#include <cstring>
#include "image_ops.h"

namespace zc::img {

namespace {

double filter_support(Filter f) { return f == Filter::Bicubic ? 2.0 : 1.0; }

double filter_weight(Filter f, double t) {
  t = std::fabs(t);
  if (f == Filter::Bilinear) return t < 1.0 ? 1.0 - t : 0.0;
  const double a = -0.5;  // PIL's bicubic
  if (t < 1.0) return ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0;
  if (t < 2.0) return (((t - 5.0) * t + 8.0) * t - 4.0) * a;
  return 0.0;
}

// Per output position: the first source index, how many sources, and their normalised weights.
struct Taps {
  int taps = 0;             // weight slots per output (an upper bound on count)
  std::vector<int> first, count;
  std::vector<float> w;     // out_size * taps
  int lo = 0, hi = 0;       // source range [lo, hi) any output touches
};

Taps make_taps(double origin, double len, int in_size, int out_size, Filter f) {
  const double scale = len / out_size;
  const double widen = std::max(scale, 1.0);
  const double support = filter_support(f) * widen;
  Taps t;
  t.taps = static_cast<int>(std::ceil(support)) * 2 + 3;
  t.first.resize(out_size);
  t.count.resize(out_size);
  t.w.assign(static_cast<size_t>(out_size) * t.taps, 0.f);
  t.lo = in_size;
  std::vector<double> raw(t.taps);
  for (int i = 0; i < out_size; ++i) {
    const double centre = origin + (i + 0.5) * scale;  // in source pixel units; pixel k spans [k, k+1)
    int lo = std::max(0, static_cast<int>(std::floor(centre - support - 0.5)));
    int hi = std::min(in_size, static_cast<int>(std::ceil(centre + support - 0.5)) + 1);
    hi = std::min(hi, lo + t.taps);
    if (lo >= hi) {  // box entirely outside: clamp to the nearest edge pixel
      lo = std::clamp(static_cast<int>(std::floor(centre)), 0, in_size - 1);
      hi = lo + 1;
    }
    float* w = &t.w[static_cast<size_t>(i) * t.taps];
    double sum = 0;
    for (int k = lo; k < hi; ++k) sum += (raw[k - lo] = filter_weight(f, (k + 0.5 - centre) / widen));
    if (sum == 0) { raw[0] = 1; sum = 1; hi = lo + 1; }
    // Drop zero weights at both ends so the passes do no useless work.
    int a = 0, b = hi - lo;
    while (a < b - 1 && raw[a] == 0) ++a;
    while (b > a + 1 && raw[b - 1] == 0) --b;
    for (int k = a; k < b; ++k) w[k - a] = static_cast<float>(raw[k] / sum);
    t.first[i] = lo + a;
    t.count[i] = b - a;
    t.lo = std::min(t.lo, lo + a);
    t.hi = std::max(t.hi, lo + b);
  }
  return t;
}

// Mirrors the output order so the flip costs nothing.
void reverse_taps(Taps& t, int out_size) {
  for (int i = 0, j = out_size - 1; i < j; ++i, --j) {
    std::swap(t.first[i], t.first[j]);
    std::swap(t.count[i], t.count[j]);
    std::swap_ranges(&t.w[static_cast<size_t>(i) * t.taps], &t.w[static_cast<size_t>(i + 1) * t.taps], &t.w[static_cast<size_t>(j) * t.taps]);
  }
}

// t += w * s over one row: the vertical pass's inner loop, where most multiply-adds happen. Built
// twice on x86-64 (AVX2 and baseline SSE2), picked at load time by the CPU.
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("avx2", "default")))
#endif
void accumulate_row(const uint8_t* s, float w, int n, float* t) {
  for (int j = 0; j < n; ++j) t[j] += w * static_cast<float>(s[j]);
}

typedef float v4f __attribute__((vector_size(16)));

// Rounds and clamps a row of floats to bytes (branch-free, so the compiler vectorises it).
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("avx2", "default")))
#endif
void to_u8_row(const float* s, int n, uint8_t* d) {
  for (int j = 0; j < n; ++j) {
    float v = s[j] + 0.5f;
    v = v < 0.f ? 0.f : v;
    v = v > 255.f ? 255.f : v;
    d[j] = static_cast<uint8_t>(static_cast<int>(v));
  }
}

// Horizontal pass of one row into floats: 3 and 4 channels as one 4-float vector per tap (the
// 4th lane of RGB reads and writes the next pixel, which its own store then overwrites; `out`
// has room for that), others per channel.
template <int C>
void horizontal(const float* row, int x0, const Taps& tx, int out_w, float* out) {
  for (int i = 0; i < out_w; ++i) {
    const float* w = &tx.w[static_cast<size_t>(i) * tx.taps];
    const float* s = row + static_cast<size_t>(tx.first[i] - x0) * C;
    const int n = tx.count[i];
    if constexpr (C == 3 || C == 4) {
      v4f acc = {0, 0, 0, 0};
      for (int k = 0; k < n; ++k) {
        v4f v;
        std::memcpy(&v, s + k * C, sizeof v);
        acc += v * w[k];
      }
      std::memcpy(out + i * C, &acc, sizeof acc);
    } else {
      for (int c = 0; c < C; ++c) {
        float acc = 0;
        for (int k = 0; k < n; ++k) acc += w[k] * s[k * C + c];
        out[i * C + c] = acc;
      }
    }
  }
}

// Vertical pass first (contiguous, vectorised by the compiler) over only the columns the
// horizontal taps read, then the horizontal pass of that row.
template <int C>
void resample_c(const Image& src, const Taps& tx, const Taps& ty, int out_w, int out_h, uint8_t* dst) {
  const int x0 = tx.lo, row_len = (tx.hi - tx.lo) * C;
  const size_t stride = src.row_bytes();
  std::vector<float> tmp(static_cast<size_t>(row_len) + 4, 0.f);  // +4: room for the last 4-wide load
  std::vector<float> hrow(static_cast<size_t>(out_w) * C + 4);    // +4: room for the last 4-wide store
  for (int y = 0; y < out_h; ++y) {
    std::fill(tmp.begin(), tmp.begin() + row_len, 0.f);
    const float* w = &ty.w[static_cast<size_t>(y) * ty.taps];
    float* t = tmp.data();
    for (int k = 0; k < ty.count[y]; ++k) {
      const uint8_t* s = src.data.data() + static_cast<size_t>(ty.first[y] + k) * stride + static_cast<size_t>(x0) * C;
      accumulate_row(s, w[k], row_len, t);
    }
    horizontal<C>(t, x0, tx, out_w, hrow.data());
    to_u8_row(hrow.data(), out_w * C, dst + static_cast<size_t>(y) * out_w * C);
  }
}

}  // namespace

void resample_u8(const Image& src, const Box& box, int out_w, int out_h, Filter f, bool flip, uint8_t* dst) {
  if (src.bits != 8) throw ImageError("resize: needs 8-bit samples (use nearest for 16-bit maps)");
  if (out_w <= 0 || out_h <= 0) throw ImageError("resize: output size must be positive");
  if (!(box.w > 0 && box.h > 0)) throw ImageError("resize: crop box must have a positive size");
  if (f == Filter::Nearest) return resample_nearest(src, box, out_w, out_h, flip, 0, dst);
  Taps tx = make_taps(box.x, box.w, src.width, out_w, f);
  Taps ty = make_taps(box.y, box.h, src.height, out_h, f);
  if (flip) reverse_taps(tx, out_w);
  switch (src.channels) {
    case 1: return resample_c<1>(src, tx, ty, out_w, out_h, dst);
    case 2: return resample_c<2>(src, tx, ty, out_w, out_h, dst);
    case 3: return resample_c<3>(src, tx, ty, out_w, out_h, dst);
    case 4: return resample_c<4>(src, tx, ty, out_w, out_h, dst);
    default: throw ImageError("resize: 1 to 4 channels supported");
  }
}

void resample_nearest(const Image& src, const Box& box, int out_w, int out_h, bool flip, uint32_t fill, uint8_t* dst) {
  if (out_w <= 0 || out_h <= 0) throw ImageError("resize: output size must be positive");
  const int bpp = src.channels * (src.bits / 8);
  std::vector<int> xs(out_w);
  for (int i = 0; i < out_w; ++i) {
    double sx = std::floor(box.x + (i + 0.5) * box.w / out_w);
    xs[flip ? out_w - 1 - i : i] = (sx < 0 || sx >= src.width) ? -1 : static_cast<int>(sx);
  }
  std::vector<uint8_t> fill_px(bpp);
  for (int c = 0; c < src.channels; ++c) {
    if (src.bits == 16) { uint16_t v = static_cast<uint16_t>(fill); std::memcpy(&fill_px[c * 2], &v, 2); }
    else fill_px[c] = static_cast<uint8_t>(fill);
  }
  for (int y = 0; y < out_h; ++y) {
    double sy = std::floor(box.y + (y + 0.5) * box.h / out_h);
    bool row_in = sy >= 0 && sy < src.height;
    const uint8_t* row = row_in ? src.data.data() + static_cast<size_t>(sy) * src.row_bytes() : nullptr;
    uint8_t* d = dst + static_cast<size_t>(y) * out_w * bpp;
    for (int i = 0; i < out_w; ++i) {
      const uint8_t* s = (row_in && xs[i] >= 0) ? row + static_cast<size_t>(xs[i]) * bpp : fill_px.data();
      std::memcpy(d + static_cast<size_t>(i) * bpp, s, bpp);
    }
  }
}

}  // namespace zc::img
