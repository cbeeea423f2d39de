// SSD detection core (src/detection): box ops, anchors, matching, sampling, coding, targets, loss, NMS and
// inference post-processing, with GluonCV's semantics (spec §2.5, §3, §4, §6).
export { cornerToCenter, centerToCorner, boxArea, clipBoxes, boxIou } from './bbox.js';
export {
  SSDAnchorGenerator,
  anchorGenerators,
  anchorCount,
  ssdAnchors,
  type AnchorKind,
  type SSDAnchorGeneratorOptions,
  type SSDAnchorConfig,
  type AnchorLayer,
  anchorLayout,
  ssdAnchorLayout,
  setAnchorLayout,
} from './anchor.js';
export { BipartiteMatcher, MaximumMatcher, CompositeMatcher, type Matcher, type BipartiteMatcherOptions } from './matcher.js';
export { NaiveSampler, OHEMSampler, stableTopK, type OHEMSamplerOptions } from './sampler.js';
export {
  MultiClassEncoder,
  NormalizedBoxCenterEncoder,
  NormalizedBoxCenterDecoder,
  MultiClassDecoder,
  MultiPerClassDecoder,
  type Quad,
  type BoxCoderOptions,
  type BoxDecoderOptions,
  type ClassDecoderOptions,
  type AnchorCodes,
  anchorCodes,
} from './coder.js';
export { SSDTargetGenerator, type SSDTargetGeneratorOptions, type SSDTargets } from './target.js';
export { SSDMultiBoxLoss, type SSDMultiBoxLossOptions, type SSDLosses, type LossNormalization } from './loss.js';
export { AnchorIou } from './anchorIou.js';
export { boxNms, boxNmsIndices, gatherRows, type BoxNmsOptions } from './nms.js';
export { ssdDetect, type SSDDetectOptions, type Detections } from './detect.js';
