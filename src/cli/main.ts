#!/usr/bin/env node
// The `ssdkit` command: dispatches to the subcommands in src/cli/commands.ts.
import { COMMANDS } from './commands.js';
import { UsageError } from './command.js';

function help(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return ['usage: ssdkit <command> [options]', '', 'commands:', ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`), '', 'ssdkit <command> --help shows a command\'s options.'].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    console.error(`ssdkit: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`ssdkit ${name}: ${err.message}\n\n${cmd.usage}`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`ssdkit: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
