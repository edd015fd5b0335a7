// Pixel operations of the loader's hot path, on decoded images: crop + resize + flip in one pass,
// nearest-neighbour resampling for dense labels, colour jitter and RandAugment. Pure and thread-safe.
#pragma once
#include <cstdint>
#include <vector>
#include "image_codec.h"

namespace zc::img {

// A crop in source pixel coordinates (fractional; may extend past the image for nearest).
struct Box {
  double x, y, w, h;
};

// Bilinear and Bicubic (a = -0.5) are separable filters that widen with the scale when
// downscaling (antialiasing, as PIL's resize and torch's antialias=True do).
enum class Filter { Nearest, Bilinear, Bicubic };

// 8-bit images of 1..4 channels: crops box, resizes it to out_w x out_h, mirrors horizontally when
// flip; writes out_w * out_h * channels bytes to dst. Samples outside the image clamp to the edge.
void resample_u8(const Image& src, const Box& box, int out_w, int out_h, Filter f, bool flip, uint8_t* dst);

// Any channel count and bit depth: each output pixel copies the source pixel under its centre;
// pixels outside the image get `fill` in every channel. Never mixes values (label maps).
void resample_nearest(const Image& src, const Box& box, int out_w, int out_h, bool flip, uint32_t fill, uint8_t* dst);

// Colour jitter on 8-bit RGB, in place. op: 0 brightness, 1 contrast, 2 saturation; each blends
// the image with black / its mean gray / its per-pixel gray by `factor`, as torchvision does.
void adjust_color(uint8_t* px, int w, int h, int op, float factor);

// RandAugment's ops, in torchvision's order (the index paug.json stores).
enum class AugOp { Identity, ShearX, ShearY, TranslateX, TranslateY, Rotate, Brightness, Color, Contrast, Sharpness, Posterize, Solarize, AutoContrast, Equalize };

// One RandAugment op on 8-bit RGB HWC, in place, as torchvision's functional ops do it on uint8
// tensors; magnitude is the signed value torchvision applies (degrees for Rotate, pixels for
// Translate, shear factor for Shear, 1 + magnitude blends, bits, threshold). Geometry is nearest
// with 0 fill. `scratch` holds a copy of the input for the ops that need one.
void rand_augment_op(uint8_t* px, int w, int h, int op, double magnitude, std::vector<uint8_t>& scratch);

}  // namespace zc::img
