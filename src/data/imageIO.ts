// Image I/O with sharp: decode JPEG/PNG (nothing else: checkFormat) to 8-bit RGB, read headers, encode, resize 8-bit images
// and draw labelled boxes as an SVG overlay (for `ssdkit detect`). Decoding is bounded: an image whose header
// claims more than `maxPixels` is refused before any pixel is decoded (sharp's limitInputPixels), and a truncated
// or corrupt file is an error naming the file (failOn 'warning'). Spec §7.4/§7.5 take HWC uint8 RGB input.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import type { RGBImage } from './types.js';

/** Default decode limit: 40 megapixels (VOC images are ~0.2 MP, COCO ≤ 0.4 MP). */
export const DEFAULT_MAX_PIXELS = 40_000_000;

export class ImageDecodeError extends Error {}

export type ImageSource = string | Buffer | Uint8Array;

export interface DecodeOptions {
  maxPixels?: number;
}

function describeSource(src: ImageSource): string {
  return typeof src === 'string' ? src : `<${src.length}-byte buffer>`;
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Width, height and format from the header only; refuses images over `maxPixels`. */
export async function imageInfo(src: ImageSource, opts: DecodeOptions = {}): Promise<{ width: number; height: number; format: string }> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  let meta: Metadata;
  checkPath(src);
  checkFormat(src, 'cannot read image header');
  try {
    // Header only: the size check below gives the clearer message.
    meta = await sharp(src, { limitInputPixels: false, failOn: 'warning' }).metadata();
  } catch (err) {
    throw new ImageDecodeError(`${describeSource(src)}: cannot read image header: ${errMessage(err)}`);
  }
  const { width, height, format } = meta;
  if (!width || !height) throw new ImageDecodeError(`${describeSource(src)}: image header has no size`);
  if (width * height > maxPixels) {
    throw new ImageDecodeError(`${describeSource(src)}: image is ${width}x${height} (${width * height} pixels), more than the ${maxPixels} allowed`);
  }
  return { width, height, format: format ?? 'unknown' };
}

/** A path that is not a readable file gets its own message (sharp would call a directory an unsupported format). */
function checkPath(src: ImageSource): void {
  if (typeof src !== 'string') return;
  let isDir: boolean;
  try {
    isDir = statSync(src).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ImageDecodeError(`${src}: ${code === 'ENOENT' ? 'no such file' : errMessage(err)}`);
  }
  if (isDir) throw new ImageDecodeError(`${src}: is a directory, not an image file`);
}

/** The first bytes of a file or buffer (fewer if it is shorter). */
function head(src: ImageSource, n: number): Uint8Array {
  if (typeof src !== 'string') return src.subarray(0, n);
  const fd = openSync(src, 'r');
  try {
    const b = Buffer.alloc(n);
    return b.subarray(0, readSync(fd, b, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Only JPEG and PNG (what VOC, COCO and RecordIO datasets hold) reach libvips: hostile GIF, TIFF, SVG, WebP and
 * HEIF files are refused by their first bytes. The image fuzz aborted the process with heap corruption inside
 * libvips (README, "Only JPEG and PNG are decoded") while those loaders were reachable.
 */
function checkFormat(src: ImageSource, what: string): void {
  const b = head(src, 8);
  const is = (magic: number[]): boolean => b.length >= magic.length && magic.every((v, i) => b[i] === v);
  if (!is(JPEG_MAGIC) && !is(PNG_MAGIC)) throw new ImageDecodeError(`${describeSource(src)}: ${what}: unsupported image format (ssdkit decodes JPEG and PNG)`);
}

/** Decodes a JPEG or PNG to 8-bit RGB, HWC (alpha dropped, grey expanded, EXIF orientation ignored). */
export async function decodeImage(src: ImageSource, opts: DecodeOptions = {}): Promise<RGBImage<Uint8Array>> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  checkPath(src);
  checkFormat(src, 'cannot decode image');
  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await sharp(src, { limitInputPixels: maxPixels, failOn: 'warning' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    const m = errMessage(err);
    const why = /pixel limit/i.test(m) ? `image is larger than the ${maxPixels} pixels allowed (${m})` : m;
    throw new ImageDecodeError(`${describeSource(src)}: cannot decode image: ${why}`);
  }
  const { width, height, channels } = out.info;
  if (channels !== 3) throw new ImageDecodeError(`${describeSource(src)}: decoded to ${channels} channels, expected 3`);
  return { data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length), width, height };
}

/** 8-bit copy of an image: Float32 values are rounded and clipped to [0, 255]. */
export function toUint8(img: RGBImage): RGBImage<Uint8Array> {
  if (img.data instanceof Uint8Array) return img as RGBImage<Uint8Array>;
  const src = img.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = Math.round(src[i]!);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { data: out, width: img.width, height: img.height };
}

function sharpOf(img: RGBImage): Sharp {
  const u8 = toUint8(img);
  return sharp(u8.data, { raw: { width: u8.width, height: u8.height, channels: 3 } });
}

export type EncodeFormat = 'jpeg' | 'png';

export async function encodeImage(img: RGBImage, format: EncodeFormat = 'png', quality = 90): Promise<Buffer> {
  const s = sharpOf(img);
  return format === 'jpeg' ? s.jpeg({ quality }).toBuffer() : s.png().toBuffer();
}

/** Writes an image; the format follows the extension (.jpg/.jpeg → JPEG, else PNG). */
export async function writeImage(path: string, img: RGBImage, quality = 90): Promise<void> {
  const s = sharpOf(img);
  await (/\.jpe?g$/i.test(path) ? s.jpeg({ quality }) : s.png()).toFile(path);
}

/** sharp's resampling kernels, for 8-bit display work (the training transforms resample in resize.ts). */
export type SharpKernel = 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3';

/** Resizes an 8-bit image to exactly width×height (aspect ratio not kept). */
export async function resizeImage(img: RGBImage, width: number, height: number, kernel: SharpKernel = 'linear'): Promise<RGBImage<Uint8Array>> {
  const { data, info } = await sharpOf(img).resize(width, height, { fit: 'fill', kernel }).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** A box to draw: corners in the image's pixels, a caption and an optional colour (a CSS colour, or an index). */
export interface DrawBox {
  box: [number, number, number, number];
  label: string;
  score?: number;
  colorIndex?: number;
  /** A CSS colour; wins over colorIndex. */
  color?: string;
  /** Dashed outline (e.g. ground truth the model missed). */
  dashed?: boolean;
}

const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#fabed4', '#469990', '#dcbeff', '#9a6324', '#800000', '#aaffc3', '#808000', '#000075', '#a9a9a9', '#ffe119', '#ffd8b1', '#000000'];

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The SVG overlay drawBoxes composites: one rectangle and one caption per box. */
export function boxesSvg(width: number, height: number, boxes: readonly DrawBox[], lineWidth = 2): string {
  const fontSize = Math.max(10, Math.round(Math.min(width, height) / 30));
  const parts = boxes.map((b, i) => {
    const color = b.color ?? PALETTE[(b.colorIndex ?? i) % PALETTE.length]!;
    const dash = b.dashed ? ` stroke-dasharray="${lineWidth * 3},${lineWidth * 2}"` : '';
    const [x0, y0, x1, y1] = b.box.map((v) => Math.round(v * 10) / 10) as [number, number, number, number];
    const caption = escapeXml(b.score === undefined ? b.label : `${b.label} ${b.score.toFixed(2)}`);
    const tw = Math.ceil(caption.length * fontSize * 0.62) + 4;
    const ty = y0 - fontSize - 2 >= 0 ? y0 - fontSize - 2 : y0;
    return (
      `<rect x="${x0}" y="${y0}" width="${Math.max(0, x1 - x0)}" height="${Math.max(0, y1 - y0)}" fill="none" stroke="${color}" stroke-width="${lineWidth}"${dash}/>` +
      `<rect x="${x0}" y="${ty}" width="${tw}" height="${fontSize + 2}" fill="${color}"/>` +
      `<text x="${x0 + 2}" y="${ty + fontSize - 1}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" fill="#ffffff">${caption}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** Draws labelled boxes on an image and encodes the result. */
export async function drawBoxes(img: RGBImage, boxes: readonly DrawBox[], format: EncodeFormat = 'png', lineWidth = 2): Promise<Buffer> {
  const overlay = Buffer.from(boxesSvg(img.width, img.height, boxes, lineWidth));
  const s = sharpOf(img).composite([{ input: overlay, top: 0, left: 0 }]);
  return format === 'jpeg' ? s.jpeg({ quality: 90 }).toBuffer() : s.png().toBuffer();
}
