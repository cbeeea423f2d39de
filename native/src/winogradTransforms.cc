// ssdkit native addon: Winograd F(4x4, 3x3) tile transforms as loops (see winogradTransforms.h). Each transform
// runs in two passes per tile row: along pixel rows (6 or 4 rows combined into 6 or 4, every pixel of the row at
// once), then along each tile's columns (stride 4). The matrices' entries are written out as the formulas below.
#include "winogradTransforms.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace ssdkit {
namespace {

float* threadBuffer(int64_t floats) {
  thread_local std::vector<float> buf;
  if (static_cast<int64_t>(buf.size()) < floats) buf.resize(floats);
  return buf.data();
}

// o[b·os] = (B^T d)[b] for the 6 values d0..d5: B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0;
// 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
inline void bt6(float d0, float d1, float d2, float d3, float d4, float d5, float* __restrict o, int64_t os) {
  o[0] = 4 * d0 - 5 * d2 + d4;
  o[os] = -4 * (d1 + d2) + d3 + d4;
  o[2 * os] = 4 * (d1 - d2) - d3 + d4;
  o[3 * os] = 2 * (d3 - d1) - d2 + d4;
  o[4 * os] = 2 * (d1 - d3) - d2 + d4;
  o[5 * os] = 4 * d1 - 5 * d3 + d5;
}

// B^T along 6 pixel rows d[i·s + x] at once: o[a·s + x], x in [0, n).
void btRows(const float* __restrict d, float* __restrict o, int64_t s, int64_t n) {
  for (int64_t x = 0; x < n; ++x) bt6(d[x], d[s + x], d[2 * s + x], d[3 * s + x], d[4 * s + x], d[5 * s + x], o + x, s);
}

// The same along each tile's 6 columns: o[b·os + t] = Σ_j B^T[b][j] d[4t + j], t in [0, tw).
void btColumns(const float* __restrict d, float* __restrict o, int64_t os, int64_t tw) {
  for (int64_t t = 0; t < tw; ++t) {
    const float* p = d + 4 * t;
    bt6(p[0], p[1], p[2], p[3], p[4], p[5], o + t, os);
  }
}

// A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1] on 6 values m0..m5 into 4.
#define SSDKIT_AT(m0, m1, m2, m3, m4, m5, o0, o1, o2, o3) \
  do {                                                   \
    const float p12 = (m1) + (m2), n12 = (m1) - (m2);    \
    const float p34 = (m3) + (m4), n34 = (m3) - (m4);    \
    o0 = (m0) + p12 + p34;                               \
    o1 = n12 + 2 * n34;                                  \
    o2 = p12 + 4 * p34;                                  \
    o3 = n12 + 8 * n34 + (m5);                           \
  } while (0)

// A = (A^T)^T on 4 values g0..g3 into 6.
#define SSDKIT_A(g0, g1, g2, g3, o0, o1, o2, o3, o4, o5) \
  do {                                                   \
    const float e = (g0) + (g2), f = (g1) + (g3);        \
    const float e4 = (g0) + 4 * (g2), f8 = 2 * (g1) + 8 * (g3); \
    o0 = (g0);                                           \
    o1 = e + f;                                          \
    o2 = e - f;                                          \
    o3 = e4 + f8;                                        \
    o4 = e4 - f8;                                        \
    o5 = (g3);                                           \
  } while (0)

}  // namespace

void winogradInputTransform(const float* x, int64_t channels, const TileRun& run, float* v, int64_t c0, int64_t c1) {
  const int64_t wp = 4 * run.tw + 2, tiles = run.tiles(), plane = run.h * run.w;
  float* rows = threadBuffer(12 * wp);  // 6 padded input rows, then their 6 combinations
  float* comb = rows + 6 * wp;
  for (int64_t li = 0; li < run.n; ++li) {
    for (int64_t c = c0; c < c1; ++c) {
      const float* xp = x + ((run.i0 + li) * channels + c) * plane;
      for (int64_t lr = 0; lr < run.rows; ++lr) {
        const int64_t top = 4 * (run.r0 + lr) - run.pad;
        for (int64_t i = 0; i < 6; ++i) {
          float* row = rows + i * wp;
          const int64_t yy = top + i;
          if (yy < 0 || yy >= run.h) {
            std::fill(row, row + wp, 0.f);
            continue;
          }
          std::fill(row, row + run.pad, 0.f);
          std::memcpy(row + run.pad, xp + yy * run.w, run.w * sizeof(float));
          std::fill(row + run.pad + run.w, row + wp, 0.f);
        }
        btRows(rows, comb, wp, wp);
        const int64_t tile0 = (li * run.rows + lr) * run.tw;
        for (int64_t a = 0; a < 6; ++a) btColumns(comb + a * wp, v + ((6 * a) * channels + c) * tiles + tile0, channels * tiles, run.tw);
      }
    }
  }
}

void winogradOutputTransform(const float* m, int64_t channels, const TileRun& run, const float* bias, float* y, int64_t k0, int64_t k1) {
  const int64_t w4 = 4 * run.tw, tiles = run.tiles(), stride = channels * tiles;
  float* comb = threadBuffer(10 * w4);  // per tile row: A^T along each tile's columns of the 6 rows, then the 4 rows
  float* out = comb + 6 * w4;
  for (int64_t li = 0; li < run.n; ++li) {
    for (int64_t k = k0; k < k1; ++k) {
      float* yp = y + ((run.i0 + li) * channels + k) * run.oh * run.ow;
      const float b = bias != nullptr ? bias[k] : 0.f;
      for (int64_t lr = 0; lr < run.rows; ++lr) {
        const int64_t tile0 = (li * run.rows + lr) * run.tw;
        for (int64_t a = 0; a < 6; ++a) {
          const float* p = m + (6 * a * channels + k) * tiles + tile0;
          float* o = comb + a * w4;
          for (int64_t t = 0; t < run.tw; ++t) {
            SSDKIT_AT(p[t], p[stride + t], p[2 * stride + t], p[3 * stride + t], p[4 * stride + t], p[5 * stride + t],
                      o[4 * t], o[4 * t + 1], o[4 * t + 2], o[4 * t + 3]);
          }
        }
        const float *c0 = comb, *c1 = comb + w4, *c2 = comb + 2 * w4, *c3 = comb + 3 * w4, *c4 = comb + 4 * w4, *c5 = comb + 5 * w4;
        float *o0 = out, *o1 = out + w4, *o2 = out + 2 * w4, *o3 = out + 3 * w4;
        for (int64_t xx = 0; xx < run.ow; ++xx) SSDKIT_AT(c0[xx], c1[xx], c2[xx], c3[xx], c4[xx], c5[xx], o0[xx], o1[xx], o2[xx], o3[xx]);
        const int64_t y0 = 4 * (run.r0 + lr);
        for (int64_t i = 0; i < 4 && y0 + i < run.oh; ++i) {
          const float* src = out + i * w4;
          float* dst = yp + (y0 + i) * run.ow;
          for (int64_t xx = 0; xx < run.ow; ++xx) dst[xx] = src[xx] + b;
        }
      }
    }
  }
}

void winogradOutputAdjoint(const float* dy, int64_t channels, const TileRun& run, float* dm, int64_t k0, int64_t k1) {
  const int64_t w4 = 4 * run.tw, tiles = run.tiles(), stride = channels * tiles;
  float* rows = threadBuffer(10 * w4);  // 4 output-gradient rows, zero beyond the output, then 6 combinations
  float* comb = rows + 4 * w4;
  for (int64_t li = 0; li < run.n; ++li) {
    for (int64_t k = k0; k < k1; ++k) {
      const float* gp = dy + ((run.i0 + li) * channels + k) * run.oh * run.ow;
      for (int64_t lr = 0; lr < run.rows; ++lr) {
        const int64_t y0 = 4 * (run.r0 + lr);
        for (int64_t i = 0; i < 4; ++i) {
          float* row = rows + i * w4;
          if (y0 + i >= run.oh) {
            std::fill(row, row + w4, 0.f);
            continue;
          }
          std::memcpy(row, gp + (y0 + i) * run.ow, run.ow * sizeof(float));
          std::fill(row + run.ow, row + w4, 0.f);
        }
        const float *g0 = rows, *g1 = rows + w4, *g2 = rows + 2 * w4, *g3 = rows + 3 * w4;
        for (int64_t xx = 0; xx < w4; ++xx) {
          SSDKIT_A(g0[xx], g1[xx], g2[xx], g3[xx], comb[xx], comb[w4 + xx], comb[2 * w4 + xx], comb[3 * w4 + xx],
                   comb[4 * w4 + xx], comb[5 * w4 + xx]);
        }
        const int64_t tile0 = (li * run.rows + lr) * run.tw;
        for (int64_t a = 0; a < 6; ++a) {
          const float* p = comb + a * w4;
          float* o = dm + (6 * a * channels + k) * tiles + tile0;
          for (int64_t t = 0; t < run.tw; ++t) {
            SSDKIT_A(p[4 * t], p[4 * t + 1], p[4 * t + 2], p[4 * t + 3], o[t], o[stride + t], o[2 * stride + t],
                     o[3 * stride + t], o[4 * stride + t], o[5 * stride + t]);
          }
        }
      }
    }
  }
}

}  // namespace ssdkit
