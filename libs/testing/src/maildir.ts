import { execFile } from 'node:child_process';
import { chown, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import type { DovecotServer } from './dovecot';

const execFileAsync = promisify(execFile);
let sequence = 0;

/**
 * Drops a message file straight into a user's maildir (`new/`), for what IMAP APPEND refuses, such as
 * a 0-byte message. The user must have received mail before (the maildir exists). Layout of
 * startDovecot(): mail_location = maildir:<dir>/mail/%u; root instances store mail as `mail`.
 */
export async function dropIntoMaildir(
  server: DovecotServer,
  user: string,
  raw: Buffer | string,
): Promise<void> {
  const name = `${Math.floor(Date.now() / 1000)}.M${++sequence}P${process.pid}.twe-test`;
  const file = join(server.dir, 'mail', user, 'new', name);
  await writeFile(file, raw);
  if (userInfo().uid === 0) {
    const uid = Number((await execFileAsync('id', ['-u', 'mail'])).stdout.trim());
    const gid = Number((await execFileAsync('id', ['-g', 'mail'])).stdout.trim());
    await chown(file, uid, gid);
  }
}
