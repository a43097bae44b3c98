import { startDovecot } from '@twe/testing';
import { ImapFlow } from 'imapflow';
import { chown, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { it } from 'vitest';

it('scratch', async () => {
  const d = await startDovecot({ users: [{ user: 'alice', password: 'pw-secret-1' }] });
  try {
    const c = new ImapFlow({ host: d.host, port: d.imapsPort, secure: true, tls: { ca: [d.caCertPem] }, auth: { user: 'alice', pass: 'pw-secret-1' }, logger: false, disableAutoIdle: true });
    await c.connect();
    await c.append('INBOX', 'Subject: x\r\n\r\nhello\r\n');
    const md = join(d.dir, 'mail', 'alice');
    console.log(await readdir(md));
    const f = join(md, 'new', `${Math.floor(Date.now()/1000)}.M1P1.scratch`);
    await writeFile(f, '');
    const uid = Number(execFileSync('id', ['-u', 'mail']).toString()); const gid = Number(execFileSync('id', ['-g', 'mail']).toString());
    await chown(f, uid, gid);
    await c.mailboxOpen('INBOX');
    for await (const m of c.fetch('1:*', { uid: true, size: true, source: true })) console.log('msg', m.uid, m.size, m.source, m.source?.length);
    await c.logout();
  } finally { await d.stop(); }
});
