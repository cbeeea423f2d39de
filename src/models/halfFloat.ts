// IEEE 754 half-precision bits to a number, for the weight readers that meet float16 storage (MXNet `.params`,
// PyTorch `.pth`).

/** The value of the 16-bit IEEE half `h` (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
