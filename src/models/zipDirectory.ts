// Checks a zip archive's directory (PKWARE APPNOTE 6.3: end of central directory, its zip64 form, the central
// and local file headers) before fflate decompresses anything, for files from strangers (pth.ts): every entry's
// data must lie inside the file, a stored entry's sizes must agree, a deflated one may not expand more than
// `maxRatio` times nor the archive beyond `maxBytes`, and names are unique. Stored entries are then read in place
// at their checked offsets; fflate's unzipSync inflates only deflated entries this directory `accept`s (its
// filter sees the same sizes), into buffers of the checked size, so no allocation follows an unchecked size.
export interface ZipLimits {
  /** Largest total uncompressed size (default 4 GiB). */
  maxBytes?: number;
  /** Largest uncompressed/compressed ratio of a deflated entry over 1 MiB (default 200; deflate's maximum is ~1032). */
  maxRatio?: number;
}

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's data in the file. */
  dataOffset: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** The filter for fflate's unzipSync: true for an entry of this directory with the same method and sizes. */
  accept(f: { name: string; size: number; originalSize: number; compression: number }): boolean;
}

export class ZipError extends Error {
  override name = 'ZipError';
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

function findEocd(v: DataView, fail: (m: string) => never): number {
  const stop = Math.max(0, v.byteLength - 22 - 0xffff);
  for (let p = v.byteLength - 22; p >= stop; p--) if (v.getUint32(p, true) === EOCD) return p;
  return fail('no zip end-of-central-directory record (truncated, or not a zip archive)');
}

function u64(v: DataView, p: number, what: string, fail: (m: string) => never): number {
  if (p + 8 > v.byteLength) fail(`${what} lies past the end of the file`);
  const x = v.getBigUint64(p, true);
  if (x > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} is ${x}`);
  return Number(x);
}

/** Where the central directory is and how many entries it claims (zip64 aware). */
function locateDirectory(v: DataView, fail: (m: string) => never): { count: number; offset: number; size: number; end: number } {
  const e = findEocd(v, fail);
  let count = v.getUint16(e + 10, true);
  let size = v.getUint32(e + 12, true);
  let offset = v.getUint32(e + 16, true);
  let end = e;
  if (e >= 20 && v.getUint32(e - 20, true) === EOCD64_LOCATOR) {
    const z = u64(v, e - 12, 'the zip64 end record offset', fail);
    if (z + 56 > v.byteLength || v.getUint32(z, true) !== EOCD64) fail('the zip64 end-of-central-directory record is missing');
    count = u64(v, z + 32, 'the zip64 entry count', fail);
    size = u64(v, z + 40, 'the zip64 directory size', fail);
    offset = u64(v, z + 48, 'the zip64 directory offset', fail);
    end = z;
  }
  if (offset + size > end) fail(`the central directory claims bytes ${offset}..${offset + size}, past its end record at ${end}`);
  if (count * 46 > size) fail(`the central directory claims ${count} entries in ${size} bytes`);
  return { count, offset, size, end };
}

/** Reads one central header at `p`; returns the entry and the next header's offset. */
function centralEntry(v: DataView, p: number, limit: number, fail: (m: string) => never): { entry: ZipEntry; next: number } {
  if (p + 46 > limit || v.getUint32(p, true) !== CENTRAL) fail(`central directory entry at byte ${p} is damaged`);
  const method = v.getUint16(p + 10, true);
  let compressedSize = v.getUint32(p + 20, true);
  let size = v.getUint32(p + 24, true);
  const nameLen = v.getUint16(p + 28, true);
  const extraLen = v.getUint16(p + 30, true);
  const next = p + 46 + nameLen + extraLen + v.getUint16(p + 32, true);
  if (next > limit) fail(`central directory entry at byte ${p} runs past the directory`);
  let local = v.getUint32(p + 42, true);
  const name = new TextDecoder().decode(new Uint8Array(v.buffer, v.byteOffset + p + 46, nameLen));
  for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen; ) {
    const id = v.getUint16(x, true);
    const len = v.getUint16(x + 2, true);
    if (id === 0x0001) {
      let f = x + 4;
      const field = (cur: number, what: string): number => (cur === MAX32 ? ((f += 8), u64(v, f - 8, `${name}: zip64 ${what}`, fail)) : cur);
      size = field(size, 'size');
      compressedSize = field(compressedSize, 'compressed size');
      local = field(local, 'offset');
    }
    x += 4 + len;
  }
  if (local + 30 > v.byteLength || v.getUint32(local, true) !== LOCAL) fail(`'${name}': no local header at byte ${local}`);
  const dataOffset = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
  if (dataOffset + compressedSize > v.byteLength) {
    fail(`'${name}' claims ${compressedSize} bytes at byte ${dataOffset}, but the file ends at ${v.byteLength} (truncated?)`);
  }
  return { entry: { name, method, compressedSize, size, dataOffset }, next };
}

function checkEntry(e: ZipEntry, maxRatio: number, fail: (m: string) => never): void {
  if (e.method === 0) {
    if (e.size !== e.compressedSize) fail(`stored entry '${e.name}' claims ${e.size} bytes but holds ${e.compressedSize}`);
  } else if (e.method === 8) {
    if (e.size > 1 << 20 && e.size > e.compressedSize * maxRatio) {
      fail(`'${e.name}' would expand ${e.compressedSize} bytes to ${e.size} (more than ${maxRatio} times: a zip bomb?); refused`);
    }
  } else {
    fail(`'${e.name}' uses compression method ${e.method} (only stored and deflated entries are read)`);
  }
}

/** Validates the archive's directory (see the file header); throws ZipError naming the file and entry. */
export function readZipDirectory(buf: Uint8Array, source: string, limits: ZipLimits = {}): ZipDirectory {
  const fail = (m: string): never => {
    throw new ZipError(`${source}: ${m}`);
  };
  if (buf.length < 22) fail(`${buf.length} bytes is too short for a zip archive (truncated?)`);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const dir = locateDirectory(v, fail);
  const entries: ZipEntry[] = [];
  const byName = new Map<string, ZipEntry>();
  let total = 0;
  const maxBytes = limits.maxBytes ?? 2 ** 32;
  for (let i = 0, p = dir.offset; i < dir.count; i++) {
    const { entry, next } = centralEntry(v, p, dir.offset + dir.size, fail);
    p = next;
    checkEntry(entry, limits.maxRatio ?? 200, fail);
    if (byName.has(entry.name)) fail(`'${entry.name}' appears twice`);
    total += entry.size;
    if (total > maxBytes) fail(`the entries expand to more than ${maxBytes} bytes; refused`);
    byName.set(entry.name, entry);
    entries.push(entry);
  }
  return {
    entries,
    accept: (f) => {
      const e = byName.get(f.name);
      return e !== undefined && e.method === f.compression && e.compressedSize === f.size && e.size === f.originalSize;
    },
  };
}
