// Detection on images (`ssdkit detect`, the API): each input — a file path, JPEG/PNG bytes, or a decoded 8-bit
// RGB image — is run through a zoo detector and its boxes come back in the image's own pixels. A GluonCV SSD
// gets SSDDefaultValTransform (spec §7.5) and its decoding + NMS (spec §6); torchvision's SSD300 its own
// transform and post-processing (src/models/torchvision). Writes the JSON that `ssdkit eval --detections`
// reads, and pictures.
//
//   const [r] = await detectImages(net, [readFileSync('cat.jpg')], { dataShape: 300, classes: net.classes });
//   const rows = await detectImage(net, 'cat.jpg', { dataShape: 300, classes: net.classes });
import { writeFileSync, mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fromTypedArray, tidy } from '../tensor/index.js';
import { SSD, type TorchvisionSSD300 } from '../models/index.js';
import { decodeImage, drawBoxes, ssdValTransform, type RGBImage } from '../data/index.js';
import type { ImageDetections } from './validate.js';

/** A zoo detector: GluonCV's SSD or torchvision's SSD300. */
export type Detector = SSD | TorchvisionSSD300;

/** An image: a file path, encoded bytes (JPEG, PNG, anything sharp reads), or decoded 8-bit RGB (HWC). */
export type ImageInput = string | Buffer | Uint8Array | RGBImage;

export interface DetectOptions {
  /** GluonCV SSDs: the square input size (torchvision's SSD300 has its own). */
  dataShape?: number;
  /** GluonCV SSDs: foreground class names (default net.classes); torchvision: its categories. */
  classes?: readonly string[];
  /** Detections below this score are left out of the pictures (the JSON keeps every one). */
  drawThresh?: number;
  /** Folder for `<image>.png` pictures; none when omitted. */
  outDir?: string;
  /** Called for an input that cannot be read or decoded, which is then skipped; without it, such an input throws. */
  onError?: (input: string, error: Error) => void;
}

export type DetectionRow = ImageDetections['detections'][number];

function isRGBImage(x: ImageInput): x is RGBImage {
  return typeof x === 'object' && !ArrayBuffer.isView(x) && 'data' in x && 'width' in x && 'height' in x;
}

function describeInput(x: ImageInput, i: number): string {
  return typeof x === 'string' ? x : isRGBImage(x) ? `<image ${i}: ${x.width}x${x.height} RGB>` : `<image ${i}: ${x.length} bytes>`;
}

async function toRGB(x: ImageInput): Promise<RGBImage> {
  if (!isRGBImage(x)) return decodeImage(x);
  if (x.data.length !== x.width * x.height * 3) throw new RangeError(`a decoded image of ${x.width}x${x.height} needs ${x.width * x.height * 3} RGB values, got ${x.data.length}`);
  return x;
}

/** GluonCV SSD on one image: SSDDefaultValTransform, detect, boxes scaled back to the image. */
function detectGluon(net: SSD, img: RGBImage, o: DetectOptions): DetectionRow[] {
  const s = o.dataShape ?? net.baseSize;
  const classes = o.classes ?? net.classes;
  const t = ssdValTransform(img, [], { width: s, height: s });
  const rows = tidy(() => {
    const d = net.detect(fromTypedArray(t.image, [1, 3, s, s]));
    return { ids: d.ids.toArray(), scores: d.scores.toArray(), boxes: d.bboxes.clamp(0, s).toArray() };
  });
  const sx = img.width / s;
  const sy = img.height / s;
  const out: DetectionRow[] = [];
  rows.ids.forEach((c, p) => {
    if (c < 0) return;
    const b = rows.boxes.slice(p * 4, p * 4 + 4);
    out.push({ classId: c, className: classes[c] ?? String(c), score: rows.scores[p]!, box: [b[0]! * sx, b[1]! * sy, b[2]! * sx, b[3]! * sy] });
  });
  return out;
}

/** torchvision's SSD300 on one image; classId is torchvision's label (0 = background, never returned). */
function detectTorchvision(net: TorchvisionSSD300, img: RGBImage): DetectionRow[] {
  const d = net.detectImage(img);
  return Array.from(d.labels, (label, k) => ({
    classId: label,
    className: net.categories[label] ?? String(label),
    score: d.scores[k]!,
    box: [d.boxes[k * 4]!, d.boxes[k * 4 + 1]!, d.boxes[k * 4 + 2]!, d.boxes[k * 4 + 3]!] as [number, number, number, number],
  }));
}

/** One image's detections in its own pixels (see the file header). */
export async function detectImage(net: Detector, input: ImageInput, o: DetectOptions = {}): Promise<DetectionRow[]> {
  net.eval();
  const img = await toRGB(input);
  return net instanceof SSD ? detectGluon(net, img, o) : detectTorchvision(net, img);
}

/** Detections for every input, in order; with onError, unreadable inputs are reported and left out. */
export async function detectImages(net: Detector, inputs: readonly ImageInput[], o: DetectOptions = {}): Promise<ImageDetections[]> {
  net.eval();
  const out: ImageDetections[] = [];
  for (const [i, input] of inputs.entries()) {
    const name = describeInput(input, i);
    let img: RGBImage;
    try {
      img = await toRGB(input);
    } catch (e) {
      if (!o.onError) throw e;
      o.onError(name, e as Error);
      continue;
    }
    const detections = net instanceof SSD ? detectGluon(net, img, o) : detectTorchvision(net, img);
    const id = typeof input === 'string' ? basename(input, extname(input)) : `image${i}`;
    out.push({ id, imagePath: name, width: img.width, height: img.height, detections });
    if (o.outDir) {
      mkdirSync(o.outDir, { recursive: true });
      const shown = detections.filter((d) => d.score >= (o.drawThresh ?? 0.4)).map((d) => ({ box: d.box, label: d.className, score: d.score, colorIndex: d.classId }));
      writeFileSync(join(o.outDir, `${id}.png`), await drawBoxes(img, shown));
    }
  }
  return out;
}
