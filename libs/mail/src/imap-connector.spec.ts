import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

import { readMailFixture, startDovecot, type DovecotServer } from '@twe/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  ImapSession,
  verifyImapConnection,
  withImapSession,
  type ImapConnectionSettings,
} from './imap-connection';
import { ImapConnectorError } from './imap-error';
import { fetchAndCapture, uidSet } from './imap-fetch';
import {
  batchRecorder,
  captureFailingOnSecondCall,
  collector,
  everythingCaptured,
  expectCapturedWhole,
  onClientLines,
  refusingPort,
  rejectionOf,
} from '../test/connector-test-helpers';

// Fixtures with CRLF line endings only: Dovecot hands those back byte for byte (it would turn bare LF into CRLF).
const FIXTURES = [
  'imaptools-example13.eml',
  'imaptools-example14.eml',
  'enmime-non-mime-html.eml',
  'imaptools-utf8_headers.eml',
  'mmp-m0001.eml',
];
const LARGE_FIXTURE = 'mmp-m1005.eml'; // 11,449 bytes

let dovecot: DovecotServer;
// Users are made up front: Dovecot re-reads its passwd-file at most once a second, so a user added
// with addUser() right before logging in is sometimes not there yet.
const users = Array.from({ length: 20 }, (_, i) => ({
  user: `user${i}`,
  password: `pw-${randomBytes(6).toString('hex')}`,
}));
let nextUser = 0;

beforeAll(async () => {
  dovecot = await startDovecot({ users });
});

afterAll(async () => {
  await dovecot?.stop();
});

/** A Dovecot user no other test uses (an empty INBOX of its own) and settings to reach it. */
function newMailbox(security: ImapConnectionSettings['security'] = 'starttls'): ImapConnectionSettings {
  const { user, password } = users[nextUser++];
  return {
    host: dovecot.host,
    port: security === 'tls' ? dovecot.imapsPort : dovecot.imapPort,
    security,
    auth: { kind: 'password', user, password },
    trustedCaPem: dovecot.caCertPem,
  };
}

async function append(settings: ImapConnectionSettings, messages: Buffer[]): Promise<void> {
  await withImapSession(settings, async (session) => {
    for (const message of messages) await session.client.append('INBOX', message);
  });
}

async function inboxCount(settings: ImapConnectionSettings): Promise<number> {
  return (await verifyImapConnection(settings)).messages;
}

/** Rejected promise -> the error, for assertions on its fields. */
function failureOf(promise: Promise<unknown>): Promise<ImapConnectorError> {
  return rejectionOf(promise, ImapConnectorError);
}

describe('connecting', () => {
  it('upgrades with STARTTLS and verifies the certificate against the mailbox CA', async () => {
    const settings = newMailbox('starttls');
    const session = await ImapSession.open(settings);
    try {
      expect(session.client.secureConnection).toBe(true);
      expect(session.supportsUidExpunge).toBe(true);
    } finally {
      await session.close();
    }
  });

  it('connects with implicit TLS and the mailbox CA', async () => {
    const settings = newMailbox('tls');
    const session = await ImapSession.open(settings);
    try {
      expect(session.client.secureConnection).toBe(true);
    } finally {
      await session.close();
    }
    expect(await verifyImapConnection(settings)).toEqual({ messages: 0 });
  });

  it('connects in plain text when the mailbox says none', async () => {
    const settings = newMailbox('none');
    const session = await ImapSession.open(settings);
    try {
      expect(session.client.secureConnection).toBe(false);
    } finally {
      await session.close();
    }
  });

  it.each(['tls', 'starttls'] as const)(
    'refuses an untrusted certificate (%s, no CA given)',
    async (security) => {
      const settings = { ...newMailbox(security), trustedCaPem: null };
      const error = await failureOf(ImapSession.open(settings));
      expect(error.kind).toBe('tls');
      expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(error.message).toMatch(/self-signed certificate/);
      expect(error.message).toMatch(/trusted CA/);
    },
  );

  it('refuses a certificate signed by a different CA than the one trusted', async () => {
    const other = await startDovecot();
    try {
      const settings = { ...newMailbox('tls'), trustedCaPem: other.caCertPem };
      const error = await failureOf(ImapSession.open(settings));
      expect(error.kind).toBe('tls');
    } finally {
      await other.stop();
    }
  });

  it('reports a wrong password with the server answer and without the password', async () => {
    const settings = newMailbox('starttls');
    const wrong = 'wrong-secret-password';
    const error = await failureOf(
      ImapSession.open({
        ...settings,
        auth: { kind: 'password', user: settings.auth.user, password: wrong },
      }),
    );
    expect(error.kind).toBe('authentication');
    expect(error.serverResponse).toBe('[AUTHENTICATIONFAILED] Authentication failed.');
    expect(error.message).toContain(`login as "${settings.auth.user}" refused`);
    expect(error.message).toContain('[AUTHENTICATIONFAILED] Authentication failed.');
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(wrong);
    expect(error.transient).toBe(false);
  });

  it('reports a refused connection as transient', async () => {
    const port = await refusingPort();
    const error = await failureOf(
      ImapSession.open({
        host: '127.0.0.1',
        port,
        security: 'tls',
        auth: { kind: 'password', user: 'x', password: 'y' },
      }),
    );
    expect(error.kind).toBe('connection');
    expect(error.code).toBe('ECONNREFUSED');
    expect(error.transient).toBe(true);
  });

  describe('against a server that does not offer STARTTLS', () => {
    let server: Server;
    let port: number;
    const received: string[] = [];

    beforeAll(async () => {
      // Just enough IMAP to greet and answer CAPABILITY (without STARTTLS).
      server = createServer((socket) => {
        socket.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] no TLS here\r\n');
        onClientLines(socket, (line) => {
          received.push(line);
          const [tag, command = ''] = line.split(' ');
          if (command.toUpperCase() === 'CAPABILITY') {
            socket.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`);
          } else if (command.toUpperCase() === 'LOGOUT') {
            socket.end(`* BYE\r\n${tag} OK bye\r\n`);
          } else {
            socket.write(`${tag} BAD not expected\r\n`);
          }
        });
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('fails a starttls mailbox before sending any credentials', async () => {
      const error = await failureOf(
        ImapSession.open({
          host: '127.0.0.1',
          port,
          security: 'starttls',
          auth: { kind: 'password', user: 'alice', password: 'never-sent-in-clear' },
          timeouts: { socketMs: 5_000 },
        }),
      );
      expect(error.kind).toBe('starttls-unavailable');
      expect(error.message).toMatch(/requires STARTTLS but the server does not offer it/);
      expect(received.join('\n')).not.toMatch(/LOGIN|AUTHENTICATE|never-sent/i);
    });
  });
});

describe('fetchAndCapture', () => {
  it('captures in batches, deletes each batch in bulk after it is committed, and leaves INBOX empty', async () => {
    const settings = newMailbox();
    const fixtures = FIXTURES.map((name) => readMailFixture(name));
    await append(settings, fixtures);
    const { captured, capture } = collector();
    const {
      receiptsPerBatch,
      onServerAfterBatch: inboxAfterBatch,
      afterBatchDeleted,
    } = batchRecorder(() => inboxCount(settings));

    const result = await withImapSession(settings, (session) =>
      fetchAndCapture(session, {
        batchSize: 2,
        maxMessageBytes: 1024 * 1024,
        capture,
        afterBatchDeleted,
      }),
    );

    expect(result).toEqual(everythingCaptured(5));
    expect(receiptsPerBatch).toEqual([2, 2, 1]);
    // Each batch was gone from the server before the next one was fetched.
    expect(inboxAfterBatch).toEqual([3, 1, 0]);
    expect(await inboxCount(settings)).toBe(0);
    expectCapturedWhole(captured, fixtures);
    const [uidValidity] = captured[0].remoteId.split(':');
    expect(captured.map((message) => message.remoteId)).toEqual(
      [1, 2, 3, 4, 5].map((uid) => `${uidValidity}:${uid}`),
    );
  });

  it('returns nothing for an empty INBOX', async () => {
    const settings = newMailbox('tls');
    const { captured, capture } = collector();
    const result = await withImapSession(settings, (session) =>
      fetchAndCapture(session, { batchSize: 10, maxMessageBytes: 1024, capture }),
    );
    expect(result.seen).toBe(0);
    expect(captured).toEqual([]);
  });

  it('leaves the messages on the server when a capture fails, and deletes them once captured', async () => {
    const settings = newMailbox();
    await append(
      settings,
      FIXTURES.slice(0, 3).map((name) => readMailFixture(name)),
    );
    const { stored, capture: failing } = captureFailingOnSecondCall();

    await expect(
      withImapSession(settings, (session) =>
        fetchAndCapture(session, { batchSize: 10, maxMessageBytes: 1 << 20, capture: failing }),
      ),
    ).rejects.toThrow('database is down');
    expect(await inboxCount(settings)).toBe(3);

    // The next run finds the one captured before the failure again: it is not stored twice, but deleted.
    const { captured, capture } = collector((message) => stored.has(message.remoteId));
    const result = await withImapSession(settings, (session) =>
      fetchAndCapture(session, { batchSize: 10, maxMessageBytes: 1 << 20, capture }),
    );
    expect(result).toMatchObject({ seen: 3, captured: 2, alreadyCaptured: 1, deleted: 3 });
    expect(captured).toHaveLength(3);
    expect(await inboxCount(settings)).toBe(0);
  });

  it('captures a message over the size limit truncated, with its real size, and the ones after it', async () => {
    const settings = newMailbox('tls');
    const small = readMailFixture(FIXTURES[0]);
    const large = readMailFixture(LARGE_FIXTURE);
    const last = readMailFixture(FIXTURES[1]);
    await append(settings, [small, large, last]);
    const limit = 2048;
    const { captured, capture } = collector();

    const result = await withImapSession(settings, (session) =>
      fetchAndCapture(session, { batchSize: 10, maxMessageBytes: limit, capture }),
    );

    expect(result).toMatchObject({ seen: 3, captured: 3, deleted: 3, truncated: 1, problems: [] });
    const byUid = new Map(captured.map((message) => [Number(message.remoteId.split(':')[1]), message]));
    expect(byUid.get(1)).toMatchObject({ raw: small, size: small.length, truncated: false });
    expect(byUid.get(2)).toMatchObject({
      raw: large.subarray(0, limit),
      size: large.length,
      truncated: true,
    });
    expect(byUid.get(3)).toMatchObject({ raw: last, size: last.length, truncated: false });
    expect(await inboxCount(settings)).toBe(0);
  });

  it('leaves a message whose body comes back empty on the server and reports it', async () => {
    const settings = newMailbox();
    await append(settings, [readMailFixture(FIXTURES[0])]);
    // Dovecot refuses to APPEND 0 bytes, but serves a 0-byte file dropped into the maildir.
    // Layout of @twe/testing's Dovecot: mail_location = maildir:<dir>/mail/%u
    const file = join(
      dovecot.dir,
      'mail',
      settings.auth.user,
      'new',
      `${Math.floor(Date.now() / 1000)}.M1P1.empty`,
    );
    await writeFile(file, '');
    if (userInfo().uid === 0) {
      const uid = Number(execFileSync('id', ['-u', 'mail']).toString());
      const gid = Number(execFileSync('id', ['-g', 'mail']).toString());
      await chown(file, uid, gid);
    }
    await append(settings, [readMailFixture(FIXTURES[1])]);
    const { captured, capture } = collector();

    const result = await withImapSession(settings, (session) =>
      fetchAndCapture(session, { batchSize: 10, maxMessageBytes: 1 << 20, capture }),
    );

    expect(result).toMatchObject({ seen: 3, captured: 2, deleted: 2 });
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0].reason).toMatch(/empty body/);
    expect(captured.map((message) => message.raw)).toEqual([
      readMailFixture(FIXTURES[0]),
      readMailFixture(FIXTURES[1]),
    ]);
    expect(await inboxCount(settings)).toBe(1);
  });

  it('stops between batches when the signal is aborted', async () => {
    const settings = newMailbox();
    await append(
      settings,
      FIXTURES.slice(0, 4).map((name) => readMailFixture(name)),
    );
    const controller = new AbortController();
    const { captured, capture } = collector();

    const result = await withImapSession(settings, (session) =>
      fetchAndCapture(session, {
        batchSize: 2,
        maxMessageBytes: 1 << 20,
        capture,
        afterBatchDeleted: async () => controller.abort(),
        signal: controller.signal,
      }),
    );

    expect(result).toMatchObject({ seen: 4, captured: 2, deleted: 2, stoppedEarly: true });
    expect(captured).toHaveLength(2);
    expect(await inboxCount(settings)).toBe(2);
  });
});

describe('a server that keeps the socket busy but never finishes', () => {
  // A fake server, because no real one can be told to trickle: it sends a byte now and then, which
  // keeps imapflow's inactivity timeout (socketMs) from ever firing. Only the total limits end it.
  let server: Server;
  let port: number;
  let mode: 'login' | 'message' = 'message';
  const received: string[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const trickle = (socket: Socket, text: string) => {
    let at = 0;
    const timer = setInterval(() => {
      if (socket.destroyed) return clearInterval(timer);
      socket.write(text[at++ % text.length]);
    }, 100);
    timers.add(timer);
  };

  beforeAll(async () => {
    server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.on('close', () => timers.forEach((timer) => clearInterval(timer)));
      socket.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] trickling test server\r\n');
      onClientLines(socket, (line) => {
        received.push(line);
        const [tag, command = '', ...rest] = line.split(' ');
        const verb =
          command.toUpperCase() === 'UID' ? `UID ${rest[0]?.toUpperCase()}` : command.toUpperCase();
        if (verb === 'CAPABILITY') socket.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`);
        else if ((verb === 'LOGIN' || verb === 'AUTHENTICATE') && mode === 'login')
          trickle(socket, '* OK still checking\r\n');
        else if (verb === 'SELECT' || verb === 'EXAMINE') {
          socket.write(
            `* 1 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n${tag} OK [READ-WRITE] done\r\n`,
          );
        } else if (verb === 'FETCH') socket.write(`* 1 FETCH (UID 1 RFC822.SIZE 1000)\r\n${tag} OK done\r\n`);
        else if (verb === 'UID FETCH') {
          socket.write('* 1 FETCH (UID 1 BODY[] {1000}\r\n');
          trickle(socket, 'x');
        } else if (verb === 'LOGOUT') socket.end(`* BYE\r\n${tag} OK bye\r\n`);
        else socket.write(`${tag} OK done\r\n`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    timers.forEach((timer) => clearInterval(timer));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const settings = (): ImapConnectionSettings => ({
    host: '127.0.0.1',
    port,
    security: 'none',
    auth: { kind: 'password', user: 'alice', password: 'trickle-secret' },
    timeouts: {
      connectMs: 500,
      greetingMs: 500,
      loginMs: 1_000,
      messageMs: 1_000,
      socketMs: 10_000,
      commandMs: 10_000,
    },
  });

  it('ends a login that never completes after connect + greeting + login time (OPEN_TIMEOUT)', async () => {
    mode = 'login';
    const error = await failureOf(ImapSession.open(settings()));
    expect(error.kind).toBe('timeout');
    expect(error.code).toBe('OPEN_TIMEOUT');
    expect(error.message).toMatch(/connect and login timed out \(OPEN_TIMEOUT\)/);
    expect(error.message).not.toContain('trickle-secret');
  });

  it('ends a message body that never completes after messageMs (MESSAGE_TIMEOUT), deleting nothing', async () => {
    mode = 'message';
    received.length = 0;
    const { captured, capture } = collector();
    const error = await failureOf(
      withImapSession(settings(), (session) =>
        fetchAndCapture(session, { batchSize: 10, maxMessageBytes: 1 << 20, capture }),
      ),
    );
    expect(error.kind).toBe('timeout');
    expect(error.code).toBe('MESSAGE_TIMEOUT');
    expect(captured).toEqual([]);
    expect(received.join('\n')).not.toMatch(/STORE|EXPUNGE/i);
  });
});

describe('uidSet', () => {
  it('packs runs into ranges', () => {
    expect(uidSet([9, 1, 2, 3, 7, 10, 3])).toBe('1:3,7,9:10');
    expect(uidSet([42])).toBe('42');
  });
});
