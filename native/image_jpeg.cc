// JPEG through libjpeg-turbo's TurboJPEG API. Downscaling happens in the DCT domain (k/8 scales),
// which makes decoding a small crop of a large photo much cheaper than a full decode.
#include <turbojpeg.h>
#include <cstring>
#include "image_codec.h"

namespace zc::img {

namespace {

// One TurboJPEG instance per thread and direction: instances are not thread-safe, creating one
// per call costs allocations, and worker threads decode concurrently. After any failure the
// thread's instance is replaced: a handle that failed inside the header keeps libjpeg's error
// state, and every later image on that thread would fail with the old error.
struct TjInstance {
  bool decompress;
  tjhandle h;
  explicit TjInstance(bool d) : decompress(d), h(d ? tjInitDecompress() : tjInitCompress()) {}
  ~TjInstance() { if (h) tjDestroy(h); }
  TjInstance(const TjInstance&) = delete;
  TjInstance& operator=(const TjInstance&) = delete;
  void reset() {
    if (h) tjDestroy(h);
    h = decompress ? tjInitDecompress() : tjInitCompress();
  }
};

TjInstance& instance(bool decompress) {
  thread_local TjInstance d(true), c(false);
  TjInstance& t = decompress ? d : c;
  if (!t.h) t.reset();
  if (!t.h) throw ImageError(decompress ? "JPEG: could not create a TurboJPEG decompressor" : "JPEG: could not create a TurboJPEG compressor");
  return t;
}

// Runs fn with the thread's instance; if anything throws, the instance is replaced first.
template <class Fn>
auto with_instance(bool decompress, Fn fn) -> decltype(fn(tjhandle{})) {
  TjInstance& t = instance(decompress);
  try {
    return fn(t.h);
  } catch (...) {
    t.reset();
    throw;
  }
}

std::string tj_message(tjhandle h) { return tjGetErrorStr2(h); }

struct Header {
  int width, height, subsamp, colorspace;
};

Header read_header(tjhandle h, const uint8_t* p, size_t n) {
  Header hd{};
  if (n > 0xffffffffUL) throw ImageError("JPEG: buffer larger than 4 GiB");
  if (tjDecompressHeader3(h, p, static_cast<unsigned long>(n), &hd.width, &hd.height, &hd.subsamp, &hd.colorspace) != 0) {
    throw ImageError("JPEG: cannot read the header: " + tj_message(h));
  }
  if (hd.width <= 0 || hd.height <= 0) throw ImageError("JPEG: cannot read the header: truncated or corrupt data");
  return hd;
}

// Smallest k in {1, 2, 4, 8} with ceil(dim * k / 8) >= need on both axes. Only powers of two:
// libjpeg-turbo has SIMD inverse DCTs for 1/8, 1/4, 1/2 and 1, while 3/8, 5/8, 3/4 and 7/8 run
// plain C and decode slower than full size (measured: 7/8 took 2x the time of 8/8).
int pick_scale(int w, int h, int min_w, int min_h) {
  for (int k = 1; k < 8; k *= 2) {
    tjscalingfactor sf{k, 8};
    if (TJSCALED(w, sf) >= min_w && TJSCALED(h, sf) >= min_h) return k;
  }
  return 8;
}

void decode_with(tjhandle h, const uint8_t* p, size_t n, const DecodeHint& hint, Image& img, int* scale_num) {
  Header hd = read_header(h, p, n);
  check_pixels("JPEG", hd.width, hd.height, hint.max_pixels);
  if (hd.colorspace == TJCS_CMYK || hd.colorspace == TJCS_YCCK) throw ImageError("JPEG: CMYK/YCCK colour is not supported");
  int k = (hint.min_width > 0 || hint.min_height > 0) ? pick_scale(hd.width, hd.height, hint.min_width, hint.min_height) : 8;
  tjscalingfactor sf{k, 8};
  img.width = TJSCALED(hd.width, sf);
  img.height = TJSCALED(hd.height, sf);
  bool gray_out = hd.colorspace == TJCS_GRAY && hint.mode != DecodeHint::Rgb;
  img.channels = gray_out ? 1 : 3;
  img.bits = 8;
  int rc = tjDecompress2(h, p, static_cast<unsigned long>(n), img.alloc(), img.width, 0, img.height,
                         gray_out ? TJPF_GRAY : TJPF_RGB, 0);
  if (rc != 0) {
    std::string msg = tj_message(h);
    // Warnings leave a usable image (e.g. extraneous bytes before a marker), except truncation,
    // which fills the missing rows with gray: treat that as corrupt, as PIL does by default.
    bool warning = tjGetErrorCode(h) == TJERR_WARNING;
    if (!warning || msg.find("Premature end") != std::string::npos) {
      throw ImageError(std::string("JPEG: ") + (warning ? "truncated data: " : "decode failed: ") + msg);
    }
  }
  if (scale_num) *scale_num = k;
}

std::vector<uint8_t> encode_with(tjhandle c, const uint8_t* px, int w, int h, int channels, int quality) {
  if (channels != 1 && channels != 3) throw ImageError("JPEG encode: need 1 or 3 channels, got " + std::to_string(channels));
  if (quality < 1 || quality > 100) throw ImageError("JPEG encode: quality must be in 1..100");
  unsigned char* out = nullptr;
  unsigned long size = 0;
  int rc = tjCompress2(c, px, w, 0, h, channels == 1 ? TJPF_GRAY : TJPF_RGB, &out, &size,
                       channels == 1 ? TJSAMP_GRAY : TJSAMP_420, quality, 0);
  if (rc != 0) {
    if (out) tjFree(out);
    throw ImageError("JPEG encode failed: " + tj_message(c));
  }
  std::vector<uint8_t> v(out, out + size);
  tjFree(out);
  return v;
}

}  // namespace

Info jpeg_probe(const uint8_t* p, size_t n) {
  Header hd = with_instance(true, [&](tjhandle h) { return read_header(h, p, n); });
  Info info{Format::Jpeg, hd.width, hd.height, 3, 8};
  if (hd.colorspace == TJCS_GRAY) info.channels = 1;
  if (hd.colorspace == TJCS_CMYK || hd.colorspace == TJCS_YCCK) info.channels = 4;
  return info;
}

void jpeg_decode(const uint8_t* p, size_t n, const DecodeHint& hint, Image& img, int* scale_num) {
  with_instance(true, [&](tjhandle h) { decode_with(h, p, n, hint, img, scale_num); });
}

std::vector<uint8_t> jpeg_encode(const uint8_t* px, int w, int h, int channels, int quality) {
  return with_instance(false, [&](tjhandle c) { return encode_with(c, px, w, h, channels, quality); });
}

}  // namespace zc::img
