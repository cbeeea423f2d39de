// Detection on many images (`ssdkit detect`, the API): each input — a file path, JPEG/PNG bytes, or a decoded
// 8-bit RGB image — is run through a zoo detector (src/models/imageDetect.ts) and its boxes come back in the
// image's own pixels, with the JSON that `ssdkit eval --detections` reads and pictures.
//
//   const [r] = await detectImages(net, [readFileSync('cat.jpg')], { dataShape: 300, classes: net.classes });
//   const rows = await net.detect('cat.jpg');   // one image: src/models/imageDetect.ts
import { writeFileSync, mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { SSD, TorchvisionSSD300 } from '../models/index.js';
import { detectDecoded, isRGBImage, toRGB, type ImageDetectOptions, type ImageInput } from '../models/imageDetect.js';
import { drawBoxes, type RGBImage } from '../data/index.js';
import type { ImageDetections } from './validate.js';

export { detectImage, type ImageInput, type DetectionRow } from '../models/imageDetect.js';

/** A zoo detector: GluonCV's SSD or torchvision's SSD300. */
export type Detector = SSD | TorchvisionSSD300;

export interface DetectOptions extends ImageDetectOptions {
  /** Detections below this score are left out of the pictures (the JSON keeps every one). */
  drawThresh?: number;
  /** Folder for `<image>.png` pictures; none when omitted. */
  outDir?: string;
  /** Called for an input that cannot be read or decoded, which is then skipped; without it, such an input throws. */
  onError?: (input: string, error: Error) => void;
}

function describeInput(x: ImageInput, i: number): string {
  return typeof x === 'string' ? x : isRGBImage(x) ? `<image ${i}: ${x.width}x${x.height} RGB>` : `<image ${i}: ${x.length} bytes>`;
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
    const detections = detectDecoded(net, img, o);
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
