#!/usr/bin/env node
import { migrateCommand } from '@twe/persistence';

import { runBounce } from './bounce-command';
import { runDemo } from './demo';
import { inspectCommand } from './inspect-command';

/** `twe <command>`: the operator CLI. */
const commands: Record<string, { summary: string; run: (args: string[]) => Promise<void> }> = {
  demo: {
    summary: 'run the whole system on sample mail and print the tickets and notifications',
    run: runDemo,
  },
  bounce: {
    summary: "print the bounce parser's verdict for one message file as JSON (twe bounce <file.eml>)",
    run: runBounce,
  },
  inspect: {
    summary: "print the engine's view of one message file as JSON (twe inspect <file.eml>)",
    run: inspectCommand,
  },
  migrate: {
    summary: 'apply pending database migrations to DATABASE_URL',
    run: () => migrateCommand(),
  },
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.log('usage: twe <command>\n');
    for (const [key, value] of Object.entries(commands)) console.log(`  ${key.padEnd(10)} ${value.summary}`);
    // Asking for help is not an error; an unknown command is.
    const askedForHelp = name === undefined || name === '--help' || name === '-h' || name === 'help';
    process.exit(askedForHelp ? 0 : 2);
  }
  await command.run(args);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
