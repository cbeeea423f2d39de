// The ground truth the COCO metric evaluates against (GluonCV's COCODetectionMetric uses `dataset.coco`, the
// pycocotools COCO object of the instances JSON; gluoncv/utils/metrics/coco_detection.py): the original
// instances file re-read, bounded, keeping the fields cocoEvaluate reads (images, annotations with bbox,
// area and iscrowd, categories). Entries COCODetection would skip as malformed (non-integer ids, a bbox that
// is not 4 finite numbers, an unknown category, a non-finite area) are left out here too.
import { readFileSync, statSync } from 'node:fs';
import type { COCOAnnotation, COCOCategory, COCOGroundTruth, COCOImage } from '../metrics/index.js';

/** Largest instances file read (COCODetection's default). */
const MAX_BYTES = 2 ** 31;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finiteOr(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Reads `file` (a COCO instances JSON) as the ground truth of the COCO bbox evaluation. */
export function readCOCOGroundTruth(file: string): COCOGroundTruth {
  let doc: unknown;
  try {
    const size = statSync(file).size;
    if (size > MAX_BYTES) throw new Error(`${size} bytes, more than the ${MAX_BYTES} allowed`);
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`COCO ground truth ${file}: ${(e as Error).message}`);
  }
  if (!isObj(doc) || !Array.isArray(doc['images']) || !Array.isArray(doc['annotations']) || !Array.isArray(doc['categories'])) {
    throw new Error(`COCO ground truth ${file}: expected an object with images, annotations and categories lists`);
  }
  const categories: COCOCategory[] = doc['categories'].filter((c) => isObj(c) && Number.isInteger(c['id']))
    .map((c) => ({ id: c['id'] as number, name: typeof c['name'] === 'string' ? c['name'] : undefined }));
  const catIds = new Set(categories.map((c) => c.id));
  const images: COCOImage[] = doc['images'].filter((im) => isObj(im) && Number.isInteger(im['id']))
    .map((im) => ({ id: im['id'] as number, width: finiteOr(im['width']), height: finiteOr(im['height']) }));
  const annotations: COCOAnnotation[] = [];
  for (const a of doc['annotations']) {
    if (!isObj(a) || !Number.isInteger(a['image_id']) || !catIds.has(a['category_id'] as number)) continue;
    const bbox = a['bbox'];
    if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((v) => finiteOr(v) !== undefined)) continue;
    if (a['area'] !== undefined && finiteOr(a['area']) === undefined) continue;
    annotations.push({
      id: finiteOr(a['id']),
      image_id: a['image_id'] as number,
      category_id: a['category_id'] as number,
      bbox: bbox as number[],
      area: finiteOr(a['area']),
      iscrowd: a['iscrowd'] === 1 || a['iscrowd'] === true ? 1 : 0,
    });
  }
  return { images, annotations, categories };
}
