// The list of `ssdkit` subcommands.
import type { Command } from './command.js';
import { infoCommand } from './info.js';
import { synthCommand } from './synth.js';
import { matchCommand } from './match.js';
import { modelInfoCommand } from './modelInfo.js';
import { trainCommand } from './train.js';
import { demoCommand } from './demo.js';
import { tipsCommand } from './tips.js';
import { evalCommand } from './evaluate.js';
import { detectCommand } from './detect.js';
import { ablateCommand } from './ablate.js';
import { exportCommand } from './export.js';
import { serveCommand } from './serve.js';

export const COMMANDS: Command[] = [demoCommand, tipsCommand, trainCommand, evalCommand, detectCommand, exportCommand, serveCommand, ablateCommand, modelInfoCommand, matchCommand, synthCommand, infoCommand];
