// `ssdkit tips`: runs the seed tutorial (src/examples/trainSSDAdvanced.ts) and prints its quantities.
import type { Command } from './command.js';
import { parseFlags, num } from './flags.js';
import { runTips } from '../examples/trainSSDAdvanced.js';

export const tipsCommand: Command = {
  name: 'tips',
  summary: "the seed tutorial's three tips (loss normalization, initializers, decoding) with ssdkit",
  usage: 'usage: ssdkit tips [--seed S]\n\nRuns src/examples/trainSSDAdvanced.ts: targets and both loss normalizations on the\nseed\'s padded batch, predictor re-initialization, and argmax vs per-class decoding.',
  run(argv) {
    const { values } = parseFlags(argv, { seed: { type: 'string' } });
    runTips(console.log, num(values, 'seed', 0, { integer: true, min: 0 }));
    return 0;
  },
};
