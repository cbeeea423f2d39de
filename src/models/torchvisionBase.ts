// torchvision ImageNet backbones (`torchvision/models/vgg.py` vgg16 state dicts) as ssdkit's GluonCV
// `pretrainedBase` (pretrainedBase.ts). Where the layers correspond they are renamed; where they do not:
//   * VGG16 -> vgg16_atrous: features.{0,2,5,...,28} are conv1_1..conv5_3 = stages.{s}.{2k}. fc6/fc7 are
//     subsampled into the dilated conv6/conv7 as the SSD paper (§3, "we convert fc6 and fc7 to convolutional
//     layers, subsample parameters from fc6 and fc7") and GluonCV's converted vgg16_atrous do: fc6 (4096, 25088)
//     -> (4096, 512, 7, 7)[::4, :, ::3, ::3] = (1024, 512, 3, 3); fc7 (4096, 4096)[::4, ::4] -> (1024, 1024, 1, 1);
//     biases [::4]. torchvision's VGG reads (x - mean) / std, which is ssdkit's input already, so init_scale
//     (GluonCV's std * 255, for Caffe-style weights) becomes 1.
//   * ResNet-50: torchvision's bottleneck strides in its 3x3 conv (ResNet v1.5), GluonCV's resnet50_v1 in the
//     first 1x1 conv: same shapes, different network, so it is refused rather than loaded into the wrong places.
//   * MobileNet: torchvision has MobileNet v2/v3 only, nothing that corresponds to GluonCV's mobilenet1.0 (v1).
import { type Tensor, arange, ones, tidy } from '../tensor/index.js';
import { WeightsError } from './weights.js';

/** Which torchvision ImageNet network a state dict is, from its names and shapes (or null). */
export function torchvisionBackboneKind(tensors: Map<string, Tensor>): 'vgg16' | 'resnet' | 'mobilenet' | null {
  const shape = (k: string): string => tensors.get(k)?.shape.join(',') ?? '';
  if (shape('features.0.weight') === '64,3,3,3' && shape('classifier.0.weight') === '4096,25088' && tensors.has('features.28.weight')) return 'vgg16';
  if (tensors.has('conv1.weight') && tensors.has('layer1.0.conv1.weight') && tensors.has('fc.weight')) return 'resnet';
  if (tensors.has('features.0.0.weight') && tensors.has('classifier.1.weight')) return 'mobilenet';
  return null;
}

/** x[::step] along each dim (null: all). */
export function decimate(x: Tensor, steps: (number | null)[]): Tensor {
  return tidy(() => steps.reduce<Tensor>((t, m, d) => (m === null ? t : t.indexSelect(d, arange(0, t.shape[d]!, m, { dtype: 'int64' }))), x));
}

const VGG16_CONVS = [[0, 2], [5, 7], [10, 12, 14], [17, 19, 21], [24, 26, 28]];

/** A torchvision vgg16 state dict renamed and subsampled for VGGAtrousExtractor (see the file header). */
export function vgg16ToAtrous(t: Map<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  VGG16_CONVS.forEach((stage, s) =>
    stage.forEach((i, k) => {
      for (const p of ['weight', 'bias']) out.set(`stages.${s}.${2 * k}.${p}`, t.get(`features.${i}.${p}`)!.clone());
    }),
  );
  out.set('stages.5.0.weight', decimate(t.get('classifier.0.weight')!.reshape(4096, 512, 7, 7), [4, null, 3, 3]));
  out.set('stages.5.0.bias', decimate(t.get('classifier.0.bias')!, [4]));
  out.set('stages.5.2.weight', decimate(t.get('classifier.3.weight')!, [4, 4]).reshape(1024, 1024, 1, 1));
  out.set('stages.5.2.bias', decimate(t.get('classifier.3.bias')!, [4]));
  out.set('initScale', ones([1, 3, 1, 1]));
  return out;
}

/** The renamed tensors for ssdkit base `base` from torchvision state dict `t` of `file`; throws where none correspond. */
export function torchvisionToBase(t: Map<string, Tensor>, base: string, file: string): Map<string, Tensor> {
  const kind = torchvisionBackboneKind(t);
  if (kind === 'vgg16' && base === 'vgg16_atrous') return vgg16ToAtrous(t);
  const why: Record<string, string> = {
    vgg16: `a torchvision VGG16 fits only the vgg16_atrous base, not ${base}`,
    resnet: `torchvision's ResNet strides in the 3x3 conv of each bottleneck (v1.5), GluonCV's ${base} in the first 1x1 conv: the shapes agree but the networks do not, so it is not loaded`,
    mobilenet: `torchvision's MobileNet is v2/v3; GluonCV's ${base} is MobileNet v1, with no corresponding layers`,
  };
  throw new WeightsError(`${file}: ${why[kind ?? ''] ?? `not a torchvision ImageNet backbone ssdkit knows (vgg16 is supported for vgg16_atrous)`}`);
}
