// torchvision's GeneralizedRCNNTransform as SSD uses it (`torchvision/models/detection/transform.py`): the image
// (C, H, W) in [0, 1] is normalized ((x - image_mean) / image_std) and then resized to the fixed size with
// `F.interpolate(mode='bilinear', align_corners=False)` (no antialiasing); `postprocess` maps boxes back by
// the ratios original / resized (resize_boxes). Done on the CPU in float32, as PyTorch's upsample_bilinear2d.
import { type Tensor, fromTypedArray } from '../../tensor/index.js';
import type { RGBImage } from '../../data/types.js';

export interface TorchvisionTransformOptions {
  /** Output [height, width] (ssd300_vgg16: 300 x 300). */
  size: [number, number];
  imageMean: [number, number, number];
  imageStd: [number, number, number];
}

const f = Math.fround;

/** One axis of PyTorch's bilinear upsampling (align_corners=False): source index pairs and weights. */
function axis(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; l1: Float32Array } {
  const scale = f(inSize / outSize);
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const l1 = new Float32Array(outSize);
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(f(f(scale * f(d + 0.5)) - 0.5), 0);
    const lo = Math.floor(src);
    i0[d] = lo;
    i1[d] = lo + (lo < inSize - 1 ? 1 : 0);
    l1[d] = f(src - lo);
  }
  return { i0, i1, l1 };
}

/** The network input (1, 3, H, W) for an 8-bit RGB image (HWC): x / 255, normalized, bilinear-resized. */
export function transformImage(img: RGBImage, o: TorchvisionTransformOptions): Tensor {
  const { width: W, height: H, data } = img;
  const [oh, ow] = o.size;
  const norm = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++) {
    const m = f(o.imageMean[c]!);
    const s = f(o.imageStd[c]!);
    for (let p = 0; p < H * W; p++) norm[c * H * W + p] = f(f(f(data[p * 3 + c]! / 255) - m) / s);
  }
  const ys = axis(H, oh);
  const xs = axis(W, ow);
  const out = new Float32Array(3 * oh * ow);
  for (let c = 0; c < 3; c++) {
    const plane = c * H * W;
    for (let y = 0; y < oh; y++) {
      const r0 = plane + ys.i0[y]! * W;
      const r1 = plane + ys.i1[y]! * W;
      const ly1 = ys.l1[y]!;
      const ly0 = f(1 - ly1);
      for (let x = 0; x < ow; x++) {
        const lx1 = xs.l1[x]!;
        const lx0 = f(1 - lx1);
        const a = f(f(lx0 * norm[r0 + xs.i0[x]!]!) + f(lx1 * norm[r0 + xs.i1[x]!]!));
        const b = f(f(lx0 * norm[r1 + xs.i0[x]!]!) + f(lx1 * norm[r1 + xs.i1[x]!]!));
        out[c * oh * ow + y * ow + x] = f(f(ly0 * a) + f(ly1 * b));
      }
    }
  }
  return fromTypedArray(out, [1, 3, oh, ow]);
}

/** resize_boxes: corner boxes in the resized image's pixels -> the original image's pixels (in place). */
export function resizeBoxes(boxes: Float32Array, from: [number, number], to: [number, number]): Float32Array {
  const rh = f(to[0] / from[0]);
  const rw = f(to[1] / from[1]);
  for (let i = 0; i < boxes.length; i += 4) {
    boxes[i] = f(boxes[i]! * rw);
    boxes[i + 1] = f(boxes[i + 1]! * rh);
    boxes[i + 2] = f(boxes[i + 2]! * rw);
    boxes[i + 3] = f(boxes[i + 3]! * rh);
  }
  return boxes;
}
