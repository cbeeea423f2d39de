// Flag parsing shared by the `ssdkit` commands: node:util parseArgs with typed number/list readers whose
// errors name the flag and the expected form.
import { parseArgs } from 'node:util';
import { UsageError } from './command.js';
import { parseDevice, DeviceError } from '../tensor/device.js';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export function parseFlags(argv: string[], options: FlagSpec, allowPositionals = false): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals }) as { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function str(values: Record<string, unknown>, name: string, fallback: string): string;
export function str(values: Record<string, unknown>, name: string): string | undefined;
export function str(values: Record<string, unknown>, name: string, fallback?: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : fallback;
}

export function num(values: Record<string, unknown>, name: string, fallback: number, o: { integer?: boolean; min?: number; max?: number } = {}): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  const bad = !Number.isFinite(n) || (o.integer && !Number.isInteger(n)) || (o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max);
  if (bad) {
    const range = [o.min !== undefined ? `>= ${o.min}` : '', o.max !== undefined ? `<= ${o.max}` : ''].filter(Boolean).join(' and ');
    throw new UsageError(`--${name} must be ${o.integer ? 'an integer' : 'a number'}${range ? ' ' + range : ''}, got '${String(v)}'`);
  }
  return n;
}

export function numList(values: Record<string, unknown>, name: string, fallback: number[]): number[] {
  const v = values[name];
  if (v === undefined || v === '') return fallback;
  const parts = String(v).split(',').map((s) => Number(s.trim()));
  if (parts.some((n) => !Number.isFinite(n))) throw new UsageError(`--${name} must be a comma-separated list of numbers, got '${String(v)}'`);
  return parts;
}

/** --device cpu|cuda|cuda:K as libtorch's device string (default cpu); errors name the flag. */
export function device(values: Record<string, unknown>, name = 'device'): string {
  const v = values[name];
  if (v === undefined) return 'cpu';
  try {
    return parseDevice(String(v), `--${name}`);
  } catch (e) {
    throw e instanceof DeviceError ? new UsageError(e.message) : e;
  }
}

export function choice<T extends string>(values: Record<string, unknown>, name: string, allowed: readonly T[], fallback: T): T {
  const v = values[name];
  if (v === undefined) return fallback;
  if (!allowed.includes(v as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${String(v)}'`);
  return v as T;
}
