// The list of `ssdkit` subcommands.
import type { Command } from './command.js';
import { infoCommand } from './info.js';

export const COMMANDS: Command[] = [infoCommand];
