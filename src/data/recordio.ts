// MXNet RecordIO (spec §8.3; the `.rec`/`.idx` files im2rec.py writes and GluonCV's RecordFileDetection reads;
// framing from dmlc-core include/dmlc/recordio.h and src/recordio.cc, headers from mxnet/python/mxnet/recordio.py):
//
//   record   = part+ ; part = magic u32 (0xced7230a) | lrecord u32 | data[length] | zero padding to 4 bytes
//   lrecord  = cflag << 29 | length   (cflag 0: whole record, 1: first part, 2: middle, 3: last)
//   A record whose data holds the magic at a 4-byte-aligned position is written in parts split there, the magic
//   itself dropped; the reader joins the parts with the magic between them. All integers little-endian.
//   payload  = IRHeader 'IfQQ' (flag u32, label f32, id u64, id2 u64; 24 bytes) | flag × f32 label if flag > 0 |
//              image bytes (JPEG)
//   .idx     = one `key\toffset` line per record (MXIndexedRecordIO), offset of the record's first part.
//
// Files from strangers are hostile: lengths are checked against what is left of the file before anything is
// allocated, a record's total size is bounded (maxRecordBytes), and every error names the file and the offset.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const RECORDIO_MAGIC = 0xced7230a;
/** IRHeader: struct 'IfQQ' (native alignment adds no padding). */
export const IR_HEADER_BYTES = 24;
/** Default bound on one record's payload (an image of a detection set is far smaller). */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;

export class RecordIOError extends Error {}

/** Random-access bytes: a file (fileSource) or a Buffer (bufferSource). */
export interface ByteSource {
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset` (the caller keeps inside `size`). */
  read(offset: number, length: number): Buffer;
}

export function bufferSource(buf: Buffer, name: string): ByteSource {
  return { name, size: buf.length, read: (offset, length) => buf.subarray(offset, offset + length) };
}

/** A file opened for reading; close() when done. */
export function fileSource(path: string): ByteSource & { close(): void } {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  return {
    name: path,
    size,
    read(offset, length) {
      const out = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, out, got, length - got, offset + got);
        if (n === 0) throw new RecordIOError(`${path}: unexpected end of file at byte ${offset + got}`);
        got += n;
      }
      return out;
    },
    close: () => closeSync(fd),
  };
}

/** One record read at `offset`: its joined payload and the offset of the next record. */
export interface RecordRead {
  payload: Buffer;
  next: number;
}

/** Reads the record starting at `offset` (dmlc RecordIOReader::NextRecord), joining multi-part records. */
export function readRecordAt(src: ByteSource, offset: number, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES): RecordRead {
  const parts: Buffer[] = [];
  let total = 0;
  let pos = offset;
  const magic = Buffer.alloc(4);
  magic.writeUInt32LE(RECORDIO_MAGIC, 0);
  for (let k = 0; ; k++) {
    const at = `${src.name}: record at byte ${offset}${k > 0 ? `, part ${k + 1} at byte ${pos}` : ''}`;
    if (pos + 8 > src.size) throw new RecordIOError(`${at}: truncated (${src.size - pos} bytes left, a part header needs 8)`);
    const head = src.read(pos, 8);
    const m = head.readUInt32LE(0);
    if (m !== RECORDIO_MAGIC) throw new RecordIOError(`${at}: bad magic 0x${m.toString(16).padStart(8, '0')} (expected 0xced7230a)`);
    const lrec = head.readUInt32LE(4);
    const cflag = lrec >>> 29;
    const length = lrec & ((1 << 29) - 1);
    const want = k === 0 ? [0, 1] : [2, 3];
    if (!want.includes(cflag)) throw new RecordIOError(`${at}: continue flag ${cflag} where ${want.join(' or ')} is expected`);
    const padded = (length + 3) & ~3;
    if (pos + 8 + length > src.size) throw new RecordIOError(`${at}: length ${length} runs past the end of the file (${src.size} bytes)`);
    total += length + (k > 0 ? 4 : 0);
    if (total > maxRecordBytes) throw new RecordIOError(`${at}: record larger than ${maxRecordBytes} bytes`);
    if (k > 0) parts.push(magic);
    parts.push(src.read(pos + 8, length));
    pos += 8 + padded;
    if (cflag === 0 || cflag === 3) return { payload: parts.length === 1 ? parts[0]! : Buffer.concat(parts), next: Math.min(pos, src.size) };
    if (length % 4 !== 0) throw new RecordIOError(`${at}: a non-final part of length ${length} (parts end on 4-byte boundaries)`);
  }
}

/** An unpacked record (mxnet.recordio.unpack): the header's fields, the label floats, the image bytes. */
export interface IRRecord {
  flag: number;
  /** flag > 0: the flag floats after the header; else the header's one label. */
  label: Float32Array;
  id: bigint;
  id2: bigint;
  image: Buffer;
}

export function unpackIR(payload: Buffer, where: string): IRRecord {
  if (payload.length < IR_HEADER_BYTES) throw new RecordIOError(`${where}: payload of ${payload.length} bytes is shorter than the 24-byte IRHeader`);
  const flag = payload.readUInt32LE(0);
  const id = payload.readBigUInt64LE(8);
  const id2 = payload.readBigUInt64LE(16);
  if (flag === 0) return { flag, label: Float32Array.of(payload.readFloatLE(4)), id, id2, image: payload.subarray(IR_HEADER_BYTES) };
  if (flag > (payload.length - IR_HEADER_BYTES) / 4) throw new RecordIOError(`${where}: header says ${flag} label floats but only ${payload.length - IR_HEADER_BYTES} bytes follow`);
  const label = new Float32Array(flag);
  for (let i = 0; i < flag; i++) label[i] = payload.readFloatLE(IR_HEADER_BYTES + 4 * i);
  return { flag, label, id, id2, image: payload.subarray(IR_HEADER_BYTES + 4 * flag) };
}

/** A `.idx` line: the record's key and the offset of its first part. */
export interface IdxEntry {
  key: string;
  offset: number;
}

/** Parses a `.idx` file (key TAB offset per line); a bad line or an offset outside the .rec is an error naming file:line. */
export function parseIdx(text: string, file: string, recSize: number): IdxEntry[] {
  const out: IdxEntry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const parts = line.trim().split(/\s+/);
    const offset = Number(parts[1]);
    if (parts.length !== 2 || !/^\d+$/.test(parts[1]!) || !Number.isSafeInteger(offset) || offset % 4 !== 0 || offset >= recSize) {
      throw new RecordIOError(`${file}:${i + 1}: expected 'key<TAB>offset' with a 4-byte-aligned offset inside the ${recSize}-byte .rec, got ${JSON.stringify(line.slice(0, 80))}`);
    }
    out.push({ key: parts[0]!, offset });
  });
  return out;
}

/** Offsets of every record of a .rec file by one pass over its framing (when there is no .idx). */
export function scanRecords(src: ByteSource, maxRecordBytes = DEFAULT_MAX_RECORD_BYTES): number[] {
  const out: number[] = [];
  for (let pos = 0; pos < src.size; pos = readRecordAt(src, pos, maxRecordBytes).next) out.push(pos);
  return out;
}
