import { readFile } from 'node:fs/promises';

import { inspectMessage, type MessageInspection } from '@twe/mail';

/**
 * `twe inspect <file.eml>`: the engine's view of one message (the processor's own parser and
 * classifiers) as one JSON object on stdout, with the mail corpus's field names. Exits 0 for any
 * input: a file that cannot be read or is not a message gives an `error` field instead.
 */
export async function inspectCommand(args: string[]): Promise<void> {
  process.stdout.write(`${JSON.stringify(await inspectFile(args[0]), null, 2)}\n`);
}

export async function inspectFile(path: string | undefined): Promise<MessageInspection | { error: string }> {
  if (path === undefined || path === '') return { error: 'usage: twe inspect <file.eml>' };
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (error) {
    return { error: `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}` };
  }
  try {
    return await inspectMessage(raw);
  } catch (error) {
    // inspectMessage reports unreadable mail itself; anything else is a bug, still reported as data.
    return { error: `cannot inspect ${path}: ${error instanceof Error ? error.message : String(error)}` };
  }
}
