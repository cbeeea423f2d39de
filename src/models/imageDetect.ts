// Detection on one image for any zoo detector (`net.detect(image)`, detectImages): the input — a file path,
// JPEG/PNG bytes, or decoded 8-bit RGB (HWC) — is decoded, fed the way the model expects and its boxes mapped back
// to the image's own pixels. A GluonCV SSD gets SSDDefaultValTransform (spec §7.5) and its decoding + NMS
// (spec §6); torchvision's SSD300 its own transform and post-processing (torchvision/).
//
//   const rows = await net.detect(readFileSync('cat.jpg'));   // [{ classId, className, score, box }, ...]
import { fromTypedArray, onDevice, tidy } from '../tensor/index.js';
import { decodeImage, ssdValTransform, type RGBImage } from '../data/index.js';
import type { SSD } from './ssd/ssd.js';
import type { TorchvisionSSD300 } from './torchvision/ssd300Vgg16.js';

/** An image: a file path, encoded bytes (JPEG, PNG, anything sharp reads), or decoded 8-bit RGB (HWC). */
export type ImageInput = string | Buffer | Uint8Array | RGBImage;

/** One detection in the image's pixels; classId: the foreground class index (GluonCV) or torchvision's label. */
export interface DetectionRow {
  classId: number;
  className: string;
  score: number;
  box: [number, number, number, number];
}

export interface ImageDetectOptions {
  /** GluonCV SSDs: where the network lives ('cpu' default, 'cuda:0'); the image is moved there. */
  device?: string;
  /** GluonCV SSDs: the square input size (default net.baseSize; torchvision's SSD300 has its own). */
  dataShape?: number;
  /** GluonCV SSDs: class names for className (default net.classes). */
  classes?: readonly string[];
}

export function isRGBImage(x: ImageInput): x is RGBImage {
  return typeof x === 'object' && !ArrayBuffer.isView(x) && 'data' in x && 'width' in x && 'height' in x;
}

/** The image decoded (or checked, when already decoded). */
export async function toRGB(x: ImageInput): Promise<RGBImage> {
  if (!isRGBImage(x)) return decodeImage(x);
  if (x.data.length !== x.width * x.height * 3) throw new RangeError(`a decoded image of ${x.width}x${x.height} needs ${x.width * x.height * 3} RGB values, got ${x.data.length}`);
  return x;
}

function isTorchvision(net: SSD | TorchvisionSSD300): net is TorchvisionSSD300 {
  return 'categories' in net && typeof (net as TorchvisionSSD300).detectImage === 'function';
}

/** GluonCV SSD on one decoded image: SSDDefaultValTransform, detect, boxes scaled back to the image. */
function detectGluon(net: SSD, img: RGBImage, o: ImageDetectOptions): DetectionRow[] {
  const s = o.dataShape ?? net.baseSize;
  const classes = o.classes ?? net.classes;
  const t = ssdValTransform(img, [], { width: s, height: s });
  const rows = tidy(() => {
    const d = net.detect(onDevice(fromTypedArray(t.image, [1, 3, s, s]), o.device ?? 'cpu'));
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

/** torchvision's SSD300 on one decoded image; classId is torchvision's label (0 = background, never returned). */
function detectTorchvision(net: TorchvisionSSD300, img: RGBImage): DetectionRow[] {
  const d = net.detectImage(img);
  return Array.from(d.labels, (label, k) => ({
    classId: label,
    className: net.categories[label] ?? String(label),
    score: d.scores[k]!,
    box: [d.boxes[k * 4]!, d.boxes[k * 4 + 1]!, d.boxes[k * 4 + 2]!, d.boxes[k * 4 + 3]!] as [number, number, number, number],
  }));
}

/** Detections for one decoded image, in its pixels (inference mode is set). */
export function detectDecoded(net: SSD | TorchvisionSSD300, img: RGBImage, o: ImageDetectOptions = {}): DetectionRow[] {
  net.eval();
  return isTorchvision(net) ? detectTorchvision(net, img) : detectGluon(net, img, o);
}

/** Detections for one image given as a path, bytes or decoded RGB (see the file header). */
export async function detectImage(net: SSD | TorchvisionSSD300, input: ImageInput, o: ImageDetectOptions = {}): Promise<DetectionRow[]> {
  return detectDecoded(net, await toRGB(input), o);
}
