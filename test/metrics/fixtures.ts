// Fixture decoding shared by the metric tests: "nan" strings (JSON has no NaN) back to numbers.
export function num(v: number | string): number {
  return v === 'nan' ? NaN : (v as number);
}

export function nums(v: readonly (number | string)[]): number[] {
  return v.map(num);
}
