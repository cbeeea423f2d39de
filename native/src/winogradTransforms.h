// ssdkit native addon: the tile transforms of Winograd F(4x4, 3x3) as plain loops over float32 NCHW planes, for
// winogradGemm.cc. Lavin & Gray's matrices (points 0, ±1, ±2, ∞): input V = B^T d B on 6x6 tiles every 4
// pixels, output y = A^T M A on 4x4 tiles, and the output's adjoint dM = A dy A^T for the weights' gradient.
// Winograd-domain arrays are (36, channels, tiles), the 36 indexed (row, column) of the 6x6 tile, row-major, tiles
// (image, tile row, tile column) of one block, row-major: every inner loop runs along contiguous memory (a row
// of pixels, or a row of tiles), where the earlier strided at::copy_ of 6-element runs cost 15% of a step.
#pragma once

#include <cstdint>

namespace ssdkit {

// A run of tile rows: images [i0, i0 + n) of the tensor, tile rows [r0, r0 + rows) of each, all tw tiles per
// row. h, w: the input's size; pad: its zero padding; oh, ow: the output's size (h + 2·pad - 2, w + 2·pad - 2).
struct TileRun {
  int64_t i0, n, r0, rows, tw;
  int64_t h, w, pad, oh, ow;
  int64_t tiles() const { return n * rows * tw; }
};

// v (36, c0..c1 of C, run.tiles()) = B^T d B for input x (N, C, h, w), channels [c0, c1).
void winogradInputTransform(const float* x, int64_t channels, const TileRun& run, float* v, int64_t c0, int64_t c1);

// y (N, K, oh, ow) = A^T m A (+ bias[k] when bias is not null) for m (36, K, run.tiles()), channels [k0, k1).
void winogradOutputTransform(const float* m, int64_t channels, const TileRun& run, const float* bias, float* y, int64_t k0, int64_t k1);

// dm (36, K, run.tiles()) = A dy A^T for the output's gradient dy (N, K, oh, ow), zero beyond its last row and
// column, channels [k0, k1).
void winogradOutputAdjoint(const float* dy, int64_t channels, const TileRun& run, float* dm, int64_t k0, int64_t k1);

}  // namespace ssdkit
