// Detection on image files (`ssdkit detect`): each image is decoded, resized and normalized as in
// SSDDefaultValTransform (spec §7.5), run through the model (decoding + NMS, spec §6), and its boxes are mapped
// back to the image's own pixels. Writes the JSON that `ssdkit eval --detections` reads, and pictures.
import { writeFileSync, mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fromTypedArray, onDevice, tidy } from '../tensor/index.js';
import type { SSD } from '../models/index.js';
import { decodeImage, drawBoxes, ssdValTransform } from '../data/index.js';
import type { ImageDetections } from './validate.js';

export interface DetectOptions {
  dataShape: number;
  classes: readonly string[];
  /** Detections below this score are left out of the pictures (the JSON keeps every one). */
  drawThresh?: number;
  /** Folder for `<image>.png` pictures; none when omitted. */
  outDir?: string;
  /** Where the network lives ('cpu' default, 'cuda:0'); images are moved there. */
  device?: string;
}

export async function detectImages(net: SSD, paths: readonly string[], o: DetectOptions): Promise<ImageDetections[]> {
  net.eval();
  const out: ImageDetections[] = [];
  for (const path of paths) {
    const img = await decodeImage(path);
    const s = o.dataShape;
    const t = ssdValTransform(img, [], { width: s, height: s });
    const rows = tidy(() => {
      const x = fromTypedArray(t.image, [1, 3, s, s]);
      const d = net.detect(onDevice(x, o.device ?? 'cpu'));
      return { ids: d.ids.toArray(), scores: d.scores.toArray(), boxes: d.bboxes.clamp(0, s).toArray() };
    });
    const sx = img.width / s;
    const sy = img.height / s;
    const detections: ImageDetections['detections'] = [];
    rows.ids.forEach((c, p) => {
      if (c < 0) return;
      const b = rows.boxes.slice(p * 4, p * 4 + 4);
      detections.push({ classId: c, className: o.classes[c] ?? String(c), score: rows.scores[p]!, box: [b[0]! * sx, b[1]! * sy, b[2]! * sx, b[3]! * sy] });
    });
    const id = basename(path, extname(path));
    out.push({ id, imagePath: path, width: img.width, height: img.height, detections });
    if (o.outDir) {
      mkdirSync(o.outDir, { recursive: true });
      const shown = detections.filter((d) => d.score >= (o.drawThresh ?? 0.4)).map((d) => ({ box: d.box, label: d.className, score: d.score, colorIndex: d.classId }));
      writeFileSync(join(o.outDir, `${id}.png`), await drawBoxes(img, shown));
    }
  }
  return out;
}
