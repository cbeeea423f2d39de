// A restricted Python unpickler (the opcodes of `Lib/pickle.py` that protocols 0-4 write for plain data), for
// PyTorch's `data.pkl` (pth.ts). It never runs code from the file: a GLOBAL resolves only through the caller's
// `findGlobal`, as `torch.load(weights_only=True)`'s `_weights_only_unpickler.Unpickler.find_class` does; any
// other global is refused with an error naming the file and the global. REDUCE/NEWOBJ call only those resolved
// functions; BUILD is accepted only on dicts (OrderedDict's `_metadata`), where its state is dropped.
//
//   const value = unpickle(bytes, { source: 'model.pth', findGlobal, persistentLoad });
//
// Every read is bounded by the buffer, memo indices and MARKs are checked, and a malformed stream is a
// PickleError naming the file, the byte offset and the problem.

/** A value of the unpickled object graph (tuples and lists are both arrays; dicts are Maps). */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | Map<PickleKey, PickleValue>
  | PickleCallable
  | PickleObject;

export type PickleKey = string | number | bigint | boolean | null;

/** A global the caller allowed: REDUCE/NEWOBJ call it with the argument tuple. */
export interface PickleCallable {
  readonly kind: 'callable';
  readonly qualifiedName: string;
  call(args: PickleValue[]): PickleValue;
}

/** An object made by an allowed callable (a tensor record, a storage type, ...). */
export interface PickleObject {
  readonly kind: 'object';
  readonly type: string;
  readonly [field: string]: unknown;
}

export class PickleError extends Error {
  override name = 'PickleError';
}

export interface UnpickleOptions {
  /** Names the file in errors. */
  source: string;
  /** The allowed globals: returns undefined for everything the file may not use. */
  findGlobal(module: string, name: string): PickleCallable | PickleObject | undefined;
  /** The globals findGlobal accepts, for the refusal message. */
  allowedGlobals: readonly string[];
  /** BINPERSID: turns a persistent id into a value (PyTorch's storages). */
  persistentLoad?(pid: PickleValue): PickleValue;
}

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly fail: (msg: string) => never,
  ) {}
  take(n: number | bigint): Uint8Array {
    if (typeof n === 'bigint' || n < 0 || this.pos + n > this.buf.length) this.fail(`needs ${n} more bytes at offset ${this.pos}, the stream has ${this.buf.length - this.pos} (truncated?)`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(): number {
    return this.take(1)[0]!;
  }
  view(n: number): DataView {
    const b = this.take(n);
    return new DataView(b.buffer, b.byteOffset, n);
  }
  line(): string {
    const end = this.buf.indexOf(0x0a, this.pos);
    if (end < 0) this.fail(`unterminated line at offset ${this.pos}`);
    return new TextDecoder('latin1').decode(this.take(end - this.pos + 1).subarray(0, -1));
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function longLE(b: Uint8Array): bigint | number {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function isKey(v: PickleValue): v is PickleKey {
  return v === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof v);
}

/** Unpickles `bytes` with only the caller's globals (see the file header). */
export function unpickle(bytes: Uint8Array, o: UnpickleOptions): PickleValue {
  return unpickleFrom(bytes, o).value;
}

/** unpickle for a stream of several pickles: the first one's value and the offset just after its STOP. */
export function unpickleFrom(bytes: Uint8Array, o: UnpickleOptions): { value: PickleValue; end: number } {
  let opStart = 0;
  const fail = (msg: string): never => {
    throw new PickleError(`${o.source}: bad pickle at byte ${opStart}: ${msg}`);
  };
  const r = new Reader(bytes, fail);
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  const pop = (): PickleValue => {
    if (stack.length === 0) fail('stack underflow');
    const v = stack.pop()!;
    if (v === MARK) fail('unexpected MARK');
    return v as PickleValue;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) fail('stack underflow');
    return v as PickleValue;
  };
  const popMark = (): PickleValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('no MARK on the stack');
    const items = stack.splice(i) as PickleValue[];
    return items.slice(1);
  };
  const global = (module: string, name: string): PickleValue => {
    const g = o.findGlobal(module, name);
    if (g === undefined) {
      throw new PickleError(
        `${o.source}: the pickle refers to the global '${module}.${name}', which a weights file may not use (refused without running it; allowed: ${o.allowedGlobals.join(', ')})`,
      );
    }
    return g;
  };
  const call = (fn: PickleValue, args: PickleValue): PickleValue => {
    if (!fn || typeof fn !== 'object' || !('kind' in fn) || fn.kind !== 'callable') fail('REDUCE on something that is not an allowed callable');
    if (!Array.isArray(args)) fail('REDUCE arguments are not a tuple');
    return (fn as PickleCallable).call(args as PickleValue[]);
  };
  const setItems = (d: PickleValue, kv: PickleValue[]): void => {
    if (!(d instanceof Map)) fail('SETITEM(S) on something that is not a dict');
    if (kv.length % 2) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < kv.length; i += 2) {
      const k = kv[i]!;
      if (!isKey(k)) fail('a dict key that is not a string or number');
      (d as Map<PickleKey, PickleValue>).set(k as PickleKey, kv[i + 1]!);
    }
  };
  const append = (l: PickleValue, items: PickleValue[]): void => {
    if (!Array.isArray(l)) fail('APPEND(S) on something that is not a list');
    (l as PickleValue[]).push(...items);
  };
  const get = (i: number): PickleValue => {
    if (!memo.has(i)) fail(`memo index ${i} was never stored`);
    return memo.get(i)!;
  };
  for (;;) {
    opStart = r.pos;
    const op = r.u8();
    switch (op) {
      case 0x80: r.u8(); break; // PROTO
      case 0x95: r.take(8); break; // FRAME
      case 0x2e: { // STOP
        const value = pop();
        return { value, end: r.pos };
      }
      case 0x28: stack.push(MARK); break;
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x4e: stack.push(null); break;
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4a: stack.push(r.view(4).getInt32(0, true)); break; // BININT
      case 0x4b: stack.push(r.u8()); break; // BININT1
      case 0x4d: stack.push(r.view(2).getUint16(0, true)); break; // BININT2
      case 0x8a: stack.push(longLE(r.take(r.u8()))); break; // LONG1
      case 0x8b: stack.push(longLE(r.take(r.view(4).getInt32(0, true)))); break; // LONG4
      case 0x47: stack.push(r.view(8).getFloat64(0, false)); break; // BINFLOAT
      case 0x58: stack.push(decodeUtf8(r.take(r.view(4).getUint32(0, true)), fail)); break; // BINUNICODE
      case 0x8c: stack.push(decodeUtf8(r.take(r.u8()), fail)); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(decodeUtf8(r.take(r.view(8).getBigUint64(0, true)), fail)); break; // BINUNICODE8
      case 0x54: stack.push(new TextDecoder('latin1').decode(r.take(r.view(4).getInt32(0, true)))); break; // BINSTRING
      case 0x55: stack.push(new TextDecoder('latin1').decode(r.take(r.u8()))); break; // SHORT_BINSTRING
      case 0x42: stack.push(r.take(r.view(4).getUint32(0, true)).slice()); break; // BINBYTES
      case 0x43: stack.push(r.take(r.u8()).slice()); break; // SHORT_BINBYTES
      case 0x63: { // GLOBAL
        const module = r.line();
        stack.push(global(module, r.line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x71: memo.set(r.u8(), top()); break; // BINPUT
      case 0x72: memo.set(r.view(4).getUint32(0, true), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(get(r.u8())); break; // BINGET
      case 0x6a: stack.push(get(r.view(4).getUint32(0, true))); break; // LONG_BINGET
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break;
      case 0x86: { const b = pop(); stack.push([pop(), b]); break; }
      case 0x87: { const c = pop(); const b = pop(); stack.push([pop(), b, c]); break; }
      case 0x61: { const v = pop(); append(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; } // SETITEMS
      case 0x52: case 0x81: { const args = pop(); stack.push(call(pop(), args)); break; } // REDUCE, NEWOBJ
      case 0x51: { // BINPERSID
        if (!o.persistentLoad) fail('a persistent id, but no persistent objects are expected');
        stack.push(o.persistentLoad!(pop()));
        break;
      }
      case 0x62: { // BUILD
        pop();
        if (!(top() instanceof Map)) fail('BUILD (setting object state) on something other than a dict');
        break;
      }
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      default:
        fail(`opcode 0x${op.toString(16).padStart(2, '0')} is not supported in a weights file`);
    }
  }
}

function decodeUtf8(b: Uint8Array, fail: (m: string) => never): string {
  try {
    return utf8.decode(b);
  } catch {
    return fail('a string that is not valid UTF-8');
  }
}
