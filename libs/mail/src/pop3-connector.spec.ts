import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

import {
  dropIntoMaildir,
  generateMessages,
  readMailFixture,
  startDovecot,
  startFaultProxy,
  type DovecotServer,
} from '@twe/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  batchRecorder,
  captureFailingOnSecondCall,
  collector,
  dedupingStore,
  everythingCaptured,
  expectCapturedWhole,
  onClientLines,
  refusingPort,
  rejectionOf,
} from '../test/connector-test-helpers';
import { withImapSession } from './imap-connection';
import {
  Pop3Session,
  verifyPop3Connection,
  withPop3Session,
  type Pop3ConnectionSettings,
} from './pop3-connection';
import { Pop3ConnectorError } from './pop3-error';
import { fetchAndCapturePop3 } from './pop3-fetch';

// CRLF-only fixtures: Dovecot serves them byte for byte over POP3 (it would turn bare LF into CRLF).
const FIXTURES = [
  'imaptools-example13.eml',
  'imaptools-example14.eml',
  'enmime-non-mime-html.eml',
  'imaptools-utf8_headers.eml',
  'mmp-m0001.eml',
];

const VALID_TOKEN = `token-${randomBytes(12).toString('hex')}`;
let dovecot: DovecotServer;
let introspection: HttpServer;
const users = Array.from({ length: 24 }, (_, i) => ({
  user: `pop${i}@example.test`,
  password: `pw-${randomBytes(6).toString('hex')}`,
}));
let nextUser = 0;

beforeAll(async () => {
  // The XOAUTH2 check needs an identity provider: a minimal RFC 7662 introspection endpoint stands in
  // for it (the full fake Microsoft provider lives with the OAuth work). One token is active.
  introspection = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const token = new URLSearchParams(body).get('token');
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify(token === VALID_TOKEN ? { active: true, username: users[0].user } : { active: false }),
      );
    });
  });
  await new Promise<void>((resolve) => introspection.listen(0, '127.0.0.1', resolve));
  const { port } = introspection.address() as { port: number };
  dovecot = await startDovecot({ users, oauth2IntrospectionUrl: `http://127.0.0.1:${port}/introspect` });
}, 60_000);

afterAll(async () => {
  await dovecot?.stop();
  await new Promise<void>((resolve) => (introspection ? introspection.close(() => resolve()) : resolve()));
});

/** A Dovecot user no other test uses, and settings to reach it over POP3. */
function newMailbox(security: Pop3ConnectionSettings['security'] = 'starttls'): Pop3ConnectionSettings {
  const { user, password } = users[++nextUser];
  return {
    host: dovecot.host,
    port: security === 'tls' ? dovecot.pop3sPort : dovecot.pop3Port,
    security,
    auth: { kind: 'password', user, password },
    trustedCaPem: dovecot.caCertPem,
  };
}

/** Delivers messages to the same maildir over IMAP (POP3 has no APPEND). */
async function append(settings: Pop3ConnectionSettings, messages: Buffer[]): Promise<void> {
  if (settings.auth.kind !== 'password') throw new Error('password users only');
  const auth = settings.auth;
  await withImapSession(
    {
      host: dovecot.host,
      port: dovecot.imapsPort,
      security: 'tls',
      auth,
      trustedCaPem: dovecot.caCertPem,
    },
    async (session) => {
      for (const message of messages) await session.client.append('INBOX', message);
    },
  );
}

async function countOnServer(settings: Pop3ConnectionSettings): Promise<number> {
  return (await verifyPop3Connection(settings)).messages;
}

/** Rejected promise -> the error, for assertions on its fields. */
function failureOf(promise: Promise<unknown>): Promise<Pop3ConnectorError> {
  return rejectionOf(promise, Pop3ConnectorError);
}

/** Appends the first `count` fixtures to the mailbox and returns their bytes. */
async function appendFixtures(settings: Pop3ConnectionSettings, count: number): Promise<Buffer[]> {
  const fixtures = FIXTURES.slice(0, count).map((name) => readMailFixture(name));
  await append(settings, fixtures);
  return fixtures;
}

type FetchOptions = Parameters<typeof fetchAndCapturePop3>[1];

/** One fetch run in its own session, batches of 10 and a 1 MiB limit unless `options` says otherwise. */
function fetchRun(
  settings: Pop3ConnectionSettings,
  options: Partial<FetchOptions> & Pick<FetchOptions, 'capture'>,
) {
  return withPop3Session(settings, (session) =>
    fetchAndCapturePop3(session, { batchSize: 10, maxMessageBytes: 1 << 20, ...options }),
  );
}

/** Settings for a fake server on localhost: plain text, user "alice". */
function fakeServerSettings(
  port: number,
  overrides: Partial<Pop3ConnectionSettings> = {},
): Pop3ConnectionSettings {
  return {
    host: '127.0.0.1',
    port,
    security: 'none',
    auth: { kind: 'password', user: 'alice', password: 'pw' },
    ...overrides,
  };
}

/** Fake-server answers that let USER/PASS log in (CAPA offers USER); other lines go to `then`. */
function acceptingLogin(then: (line: string) => string | null) {
  return (line: string): string | null => {
    if (line === 'CAPA') return '+OK\r\nUSER\r\n.\r\n';
    if (line.startsWith('USER') || line.startsWith('PASS')) return '+OK\r\n';
    return then(line);
  };
}

type FakePop3Server = Awaited<ReturnType<typeof fakePop3Server>>;

/** Runs `test` against a fake server greeting "+OK ready", and stops the server afterwards. */
async function withFakePop3Server(
  answer: (line: string) => string | null,
  test: (server: FakePop3Server) => Promise<void>,
  greeting: string | null = '+OK ready\r\n',
): Promise<void> {
  const server = await fakePop3Server(greeting, answer);
  try {
    await test(server);
  } finally {
    await server.stop();
  }
}

/** A scripted fake POP3 server: `answer` gets each command line and returns the reply (or null for silence). */
async function fakePop3Server(
  greeting: string | null,
  answer: (line: string) => string | null,
): Promise<{
  port: number;
  received: string[];
  closedByClient: () => boolean;
  broadcast: (text: string) => void;
  stop: () => Promise<void>;
}> {
  const received: string[] = [];
  let clientClosed = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    if (greeting !== null) socket.write(greeting);
    onClientLines(socket, (line) => {
      received.push(line);
      const reply = answer(line);
      if (reply !== null) socket.write(reply);
    });
    socket.on('close', () => (clientClosed = true));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    received,
    closedByClient: () => clientClosed,
    broadcast: (text) => {
      for (const socket of sockets) if (!socket.destroyed) socket.write(text);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('connecting', () => {
  it.each([
    ['plain text', 'none', false],
    ['STLS with the mailbox CA', 'starttls', true],
    ['implicit TLS with the mailbox CA', 'tls', true],
  ] as const)('logs in over %s and runs STAT', async (_situation, security, encrypted) => {
    const settings = newMailbox(security);
    await append(settings, [readMailFixture(FIXTURES[0])]);
    const session = await Pop3Session.open(settings);
    try {
      expect(session.encrypted).toBe(encrypted);
      expect(await session.stat()).toEqual({ messages: 1, bytes: readMailFixture(FIXTURES[0]).length });
    } finally {
      await session.close();
    }
  });

  it.each(['tls', 'starttls'] as const)(
    'refuses an untrusted certificate (%s, no CA given)',
    async (security) => {
      const error = await failureOf(Pop3Session.open({ ...newMailbox(security), trustedCaPem: null }));
      expect(error.kind).toBe('tls');
      expect(error.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(error.message).toMatch(/self-signed certificate/);
      expect(error.message).toMatch(/trusted CA/);
    },
  );

  it('reports a wrong password with the server answer and without the password', async () => {
    const settings = newMailbox('starttls');
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const error = await failureOf(
      Pop3Session.open({
        ...settings,
        auth: { kind: 'password', user: settings.auth.user, password: wrong },
      }),
    );
    expect(error.kind).toBe('auth');
    expect(error.serverResponse).toBe('-ERR [AUTH] Authentication failed.');
    expect(error.message).toBe(
      `POP3 ${dovecot.host}:${dovecot.pop3Port}: login refused for "${settings.auth.user}": -ERR [AUTH] Authentication failed.`,
    );
    expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(wrong);
    expect(error.transient).toBe(false);
  });

  it('closes the socket after a refused login', async () => {
    const answer = (line: string) => {
      if (line === 'CAPA') return '+OK\r\nUSER\r\n.\r\n';
      if (line.startsWith('USER')) return '+OK\r\n';
      if (line.startsWith('PASS')) return '-ERR [AUTH] no\r\n';
      return '-ERR unexpected\r\n';
    };
    await withFakePop3Server(answer, async (server) => {
      const error = await failureOf(
        Pop3Session.open(
          fakeServerSettings(server.port, {
            auth: { kind: 'password', user: 'alice', password: 'secret-pass' },
          }),
        ),
      );
      expect(error.kind).toBe('auth');
      await expect.poll(() => server.closedByClient(), { timeout: 2_000 }).toBe(true);
      expect(server.received).toEqual(['CAPA', 'USER alice', 'PASS secret-pass']);
    });
  });

  it('reports a refused connection as transient', async () => {
    const port = await refusingPort();
    const error = await failureOf(
      Pop3Session.open({
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

  it('gives up on a server that accepts the connection and never answers, within the greeting timeout', async () => {
    const silent = () => null;
    await withFakePop3Server(
      silent,
      async (server) => {
        const error = await failureOf(
          Pop3Session.open(fakeServerSettings(server.port, { timeouts: { greetingMs: 300 } })),
        );
        expect(error.kind).toBe('timeout');
        expect(error.message).toBe(`POP3 127.0.0.1:${server.port}: greeting: no answer within 300 ms`);
        expect(error.transient).toBe(true);
        await expect.poll(() => server.closedByClient(), { timeout: 2_000 }).toBe(true);
      },
      null,
    );
  });

  it('gives up on a server that stops answering in the middle of a command', async () => {
    const answer = acceptingLogin((line) => (line === 'STAT' ? null : '-ERR unexpected\r\n')); // STAT: silence
    await withFakePop3Server(answer, async (server) => {
      const session = await Pop3Session.open(
        fakeServerSettings(server.port, { timeouts: { commandMs: 300 } }),
      );
      const error = await failureOf(session.stat());
      expect(error.kind).toBe('timeout');
      expect(error.message).toBe(`POP3 127.0.0.1:${server.port}: STAT: no answer within 300 ms`);
      await session.close();
    });
  });

  it('gives up on a login that is never answered, within the auth timeout', async () => {
    const answer = (line: string) => {
      if (line === 'CAPA') return '+OK\r\nUSER\r\n.\r\n';
      if (line.startsWith('USER')) return '+OK\r\n';
      return null; // PASS: silence
    };
    await withFakePop3Server(answer, async (server) => {
      const error = await failureOf(
        Pop3Session.open(
          fakeServerSettings(server.port, {
            auth: { kind: 'password', user: 'alice', password: 'secret-in-flight' },
            timeouts: { authMs: 300 },
          }),
        ),
      );
      expect(error.kind).toBe('timeout');
      expect(error.message).toBe(`POP3 127.0.0.1:${server.port}: PASS: no answer within 300 ms`);
      await expect.poll(() => server.closedByClient(), { timeout: 2_000 }).toBe(true);
    });
  });

  it('gives up on a message that trickles in for longer than the per-message timeout', async () => {
    const trickles: NodeJS.Timeout[] = [];
    let socketOfRetr: ((line: string) => void) | null = null;
    const server = await fakePop3Server(
      '+OK ready\r\n',
      acceptingLogin((line) => {
        if (line !== 'RETR 1') return '-ERR unexpected\r\n';
        socketOfRetr?.(line);
        return '+OK 100000 octets\r\n';
      }),
    );
    try {
      const session = await Pop3Session.open(
        // Data keeps coming (never 200 ms of silence), but the whole message may take only 500 ms.
        fakeServerSettings(server.port, { timeouts: { commandMs: 200, messageMs: 500 } }),
      );
      socketOfRetr = () => {
        trickles.push(setInterval(() => server.broadcast('xxxxxxxxxx\r\n'), 50));
      };
      const error = await failureOf(session.retrieve(1, 1 << 20));
      expect(error.kind).toBe('timeout');
      expect(error.message).toBe(`POP3 127.0.0.1:${server.port}: RETR 1 took longer than 500 ms`);
      await session.close();
    } finally {
      trickles.forEach(clearInterval);
      await server.stop();
    }
  });

  it.each([
    [
      'refuses a starttls mailbox when the server does not offer STLS, before sending any credentials',
      {
        answer: (line: string) => (line === 'CAPA' ? '+OK\r\nUSER\r\nUIDL\r\n.\r\n' : '-ERR unexpected\r\n'),
        password: 'never-sent-in-clear',
        message: /requires STLS \(STARTTLS\) but the server does not offer it/,
        received: ['CAPA'],
      },
    ],
    [
      'refuses plain-text data injected between "+OK" to STLS and the TLS handshake',
      {
        answer: (line: string) => {
          if (line === 'CAPA') return '+OK\r\nSTLS\r\nUSER\r\n.\r\n';
          if (line === 'STLS') return '+OK Begin TLS\r\n+OK injected\r\n';
          return '-ERR unexpected\r\n';
        },
        password: 'never-sent',
        message: /sent data after accepting STLS/,
        received: ['CAPA', 'STLS'],
      },
    ],
  ])('%s', async (_title, { answer, password, message, received }) => {
    await withFakePop3Server(answer, async (server) => {
      const error = await failureOf(
        Pop3Session.open(
          fakeServerSettings(server.port, {
            security: 'starttls',
            auth: { kind: 'password', user: 'alice', password },
          }),
        ),
      );
      expect(error.kind).toBe('tls');
      expect(error.message).toMatch(message);
      expect(server.received).toEqual(received);
    });
  });

  it('fails a RETR in flight at once when the session is closed (shutdown), without QUIT', async () => {
    const answer = acceptingLogin(
      (line) => (line === 'RETR 1' ? '+OK 1000 octets\r\nSubject: half\r\n' : '-ERR unexpected\r\n'), // then silence
    );
    await withFakePop3Server(answer, async (server) => {
      const session = await Pop3Session.open(fakeServerSettings(server.port));
      const retrieving = failureOf(session.retrieve(1, 1 << 20));
      await expect.poll(() => server.received.includes('RETR 1')).toBe(true);
      await session.close();
      const error = await retrieving;
      expect(error.kind).toBe('connection');
      expect(error.message).toMatch(/closed by the client/);
      await expect.poll(() => server.closedByClient(), { timeout: 2_000 }).toBe(true);
      expect(server.received).not.toContain('QUIT');
    });
  });

  it('refuses to fetch from a server without UIDL (messages could not be deduplicated)', async () => {
    const answer = acceptingLogin((line) =>
      line === 'UIDL' ? '-ERR unknown command\r\n' : '-ERR unexpected\r\n',
    );
    await withFakePop3Server(answer, async (server) => {
      const session = await Pop3Session.open(fakeServerSettings(server.port));
      const { captured, capture } = collector();
      const error = await failureOf(
        fetchAndCapturePop3(session, { batchSize: 10, maxMessageBytes: 1024, capture }),
      );
      await session.close();
      expect(error.kind).toBe('protocol');
      expect(error.message).toBe(
        `POP3 127.0.0.1:${server.port}: UIDL refused: without UIDL a message cannot be told from one ` +
          'already stored; not fetching: -ERR unknown command',
      );
      expect(captured).toEqual([]);
      expect(server.received).not.toContain('RETR 1');
    });
  });

  it('refuses a user name with a line break without connecting (command injection)', async () => {
    const error = await failureOf(
      Pop3Session.open({
        ...newMailbox('none'),
        auth: { kind: 'password', user: 'alice\r\nDELE 1', password: 'pw' },
      }),
    );
    expect(error.kind).toBe('auth');
    expect(error.message).toMatch(/line break; nothing was sent/);
  });
});

describe('AUTH XOAUTH2 against Dovecot', () => {
  it.each(['tls', 'starttls'] as const)('logs in with a valid access token (%s)', async (security) => {
    const settings: Pop3ConnectionSettings = {
      ...newMailbox(security),
      auth: { kind: 'oauth2', user: users[0].user, accessToken: VALID_TOKEN },
    };
    expect(await verifyPop3Connection(settings)).toEqual({ messages: 0, bytes: 0 });
  });

  it('reports a refused token (Dovecot answers with a "+ <base64 JSON>" challenge) without the token', async () => {
    const forged = `forged-${randomBytes(12).toString('hex')}`;
    const settings: Pop3ConnectionSettings = {
      ...newMailbox('tls'),
      auth: { kind: 'oauth2', user: users[0].user, accessToken: forged },
    };
    const error = await failureOf(Pop3Session.open(settings));
    expect(error.kind).toBe('auth');
    const answer = '-ERR [AUTH] Authentication failed. ({"status":"401","schemes":"bearer","scope":"mail"})';
    expect(error.serverResponse).toBe(answer);
    expect(error.message).toBe(
      `POP3 ${dovecot.host}:${dovecot.pop3sPort}: login refused for "${users[0].user}": ${answer}`,
    );
    const everything = JSON.stringify({ ...error, message: error.message, stack: error.stack });
    expect(everything).not.toContain(forged);
    expect(everything).not.toContain(Buffer.from(forged).toString('base64').slice(0, 16));
  });

  it('tells a "+ <base64 error>" challenge from success: answers it and reports the -ERR', async () => {
    const reason =
      '{"status":"401","schemes":"bearer","scope":"https://outlook.office.com/POP.AccessAsUser.All"}';
    const answer = (line: string) => {
      if (line === 'CAPA') return '+OK\r\nSASL XOAUTH2\r\n.\r\n';
      if (line === 'AUTH XOAUTH2') return '+ \r\n';
      if (line === '') return '-ERR Authentication failure: unknown user name or bad password.\r\n';
      return `+ ${Buffer.from(reason).toString('base64')}\r\n`; // the SASL string
    };
    await withFakePop3Server(answer, async (server) => {
      const token = `token-${randomBytes(12).toString('hex')}`;
      const error = await failureOf(
        Pop3Session.open(
          fakeServerSettings(server.port, {
            auth: { kind: 'oauth2', user: 'alice@example.com', accessToken: token },
          }),
        ),
      );
      expect(error.kind).toBe('auth');
      expect(error.message).toBe(
        `POP3 127.0.0.1:${server.port}: login refused for "alice@example.com": ` +
          `-ERR Authentication failure: unknown user name or bad password. (${reason})`,
      );
      // AUTH, the SASL string (two steps, as Microsoft wants it), then the empty answer to the challenge.
      expect(server.received).toEqual([
        'CAPA',
        'AUTH XOAUTH2',
        Buffer.from(`user=alice@example.com\x01auth=Bearer ${token}\x01\x01`).toString('base64'),
        '',
      ]);
      expect(JSON.stringify({ ...error, message: error.message })).not.toContain(token);
    });
  });
});

describe('fetchAndCapturePop3', () => {
  it('captures in batches, commits each batch with DELE + QUIT, and leaves the maildrop empty', async () => {
    const settings = newMailbox('starttls');
    const fixtures = await appendFixtures(settings, FIXTURES.length);
    const { captured, capture } = collector();
    const {
      receiptsPerBatch,
      onServerAfterBatch: onServerAfterBatch,
      afterBatchDeleted,
    } = batchRecorder(() => countOnServer(settings));

    const result = await fetchRun(settings, {
      batchSize: 2,
      maxMessageBytes: 1024 * 1024,
      capture,
      afterBatchDeleted,
    });

    expect(result).toEqual(everythingCaptured(5));
    expect(receiptsPerBatch).toEqual([2, 2, 1]);
    expect(onServerAfterBatch).toEqual([3, 1, 0]);
    expectCapturedWhole(captured, fixtures);
    // pop3_uidl_format of the test Dovecot is %08Xu%08Xv: UID then UIDVALIDITY, in hex.
    expect(captured.map((message) => message.remoteId)).toEqual(
      [1, 2, 3, 4, 5].map((uid) => expect.stringMatching(new RegExp(`^pop3:0000000${uid}[0-9a-f]{8}$`))),
    );
  });

  it('returns nothing for an empty maildrop', async () => {
    const settings = newMailbox('tls');
    const { captured, capture } = collector();
    const result = await fetchRun(settings, { maxMessageBytes: 1024, capture });
    expect(result).toMatchObject({ seen: 0, captured: 0, deleted: 0 });
    expect(captured).toEqual([]);
  });

  it('reads every message whole over TLS when the end marker straddles two chunks (4, 16 and 64 KiB boundaries)', async () => {
    const settings = newMailbox('tls');
    // The answer on the wire is the message + 23 bytes ("+OK <n> octets" line, three stuffed dots,
    // ".CRLF"); its end marker straddles byte B of the answer for sizes B-22..B-19. Dovecot sends TLS
    // records of 4 KiB (its first one holds the status line), Node reads up to 16 KiB / 64 KiB at once.
    const sizes = [4_096, 16_384, 65_536].flatMap((boundary) =>
      Array.from({ length: 41 }, (_, i) => boundary - 40 + i),
    );
    const messages = sizes.map((size, i) => messageOfSize(size, `straddle-${i}`));
    await append(settings, messages);

    // Evidence that the trap is really exercised: read each answer raw and see where the chunks end.
    const straddled = await terminatorsSplitAcrossChunks(settings, messages.length);
    expect(straddled).toBeGreaterThan(0);

    const { captured, capture } = collector();
    const result = await fetchRun(
      { ...settings, timeouts: { commandMs: 5_000 } },
      { batchSize: 100, capture },
    );
    expect(result).toMatchObject({ seen: messages.length, captured: messages.length, problems: [] });
    expect(captured.map((message) => message.raw)).toEqual(messages);
    expect(await countOnServer(settings)).toBe(0);
  });

  it('captures a 30 MB message under a 25 MB limit truncated, with its real size, and the ones after it', async () => {
    const settings = newMailbox('tls');
    const [large] = generateMessages(1, {
      to: 'support@example.test',
      runId: 'pop3-large',
      attachmentEvery: 1,
      attachmentSizes: [22_950_000],
    });
    const small = readMailFixture(FIXTURES[0]);
    const last = readMailFixture(FIXTURES[1]);
    await append(settings, [small, large.raw, last]);
    const limit = 25 * 1024 * 1024;
    expect(large.raw.length).toBeGreaterThan(30_000_000);
    const { captured, capture } = collector();

    const result = await fetchRun(settings, { maxMessageBytes: limit, capture });

    expect(result).toMatchObject({ seen: 3, captured: 3, deleted: 3, truncated: 1, problems: [] });
    expect(captured[0]).toMatchObject({ raw: small, size: small.length, truncated: false });
    expect(captured[1].truncated).toBe(true);
    expect(captured[1].size).toBe(large.raw.length);
    expect(captured[1].raw.length).toBe(limit);
    expect(captured[1].raw.equals(large.raw.subarray(0, limit))).toBe(true);
    expect(captured[2]).toMatchObject({ raw: last, size: last.length, truncated: false });
    expect(await countOnServer(settings)).toBe(0);
  }, 120_000);

  it('leaves a message whose body comes back empty on the server and reports it', async () => {
    const settings = newMailbox('none');
    await append(settings, [readMailFixture(FIXTURES[0])]);
    await dropIntoMaildir(dovecot, settings.auth.user, ''); // Dovecot refuses to APPEND 0 bytes
    await append(settings, [readMailFixture(FIXTURES[1])]);
    const { captured, capture } = collector();

    const result = await fetchRun(settings, { capture });

    expect(result).toMatchObject({ seen: 3, captured: 2, deleted: 2 });
    expect(result.problems).toEqual([
      {
        remoteId: expect.stringMatching(/^pop3:/),
        reason: 'the server returned an empty body (LIST size 0, 2 bytes read); left in the mailbox',
      },
    ]);
    expect(captured.map((message) => message.raw)).toEqual([
      readMailFixture(FIXTURES[0]),
      readMailFixture(FIXTURES[1]),
    ]);
    expect(await countOnServer(settings)).toBe(1);
  });

  it('leaves the batch on the server when a capture fails, and deletes it once captured', async () => {
    const settings = newMailbox('starttls');
    await appendFixtures(settings, 3);
    const { stored, capture: failing } = captureFailingOnSecondCall();

    await expect(fetchRun(settings, { capture: failing })).rejects.toThrow('database is down');
    expect(await countOnServer(settings)).toBe(3);

    const { captured, capture } = collector((message) => stored.has(message.remoteId));
    const result = await fetchRun(settings, { capture });
    expect(result).toMatchObject({ seen: 3, captured: 2, alreadyCaptured: 1, deleted: 3 });
    expect(captured).toHaveLength(3);
    expect(await countOnServer(settings)).toBe(0);
  });

  it('keeps every message on the server when the connection drops before QUIT; the next run deletes them once', async () => {
    const settings = newMailbox('none');
    const fixtures = await appendFixtures(settings, 4);
    const proxy = await startFaultProxy({ host: dovecot.host, port: dovecot.pop3Port });
    try {
      proxy.cutWhenClientSends = /^QUIT/m;
      const viaProxy = { ...settings, port: proxy.port };
      const { stored, capture } = dedupingStore();
      const afterBatches: number[] = [];
      const run = () =>
        fetchRun(viaProxy, {
          capture,
          afterBatchDeleted: async (receipts) => void afterBatches.push(receipts.length),
        });

      const error = await failureOf(run());
      expect(proxy.cuts).toBe(1);
      expect(error.kind).toBe('connection');
      expect(error.message).toBe(
        `POP3 127.0.0.1:${proxy.port}: QUIT: the connection was closed (before QUIT: the 4 message(s) ` +
          'captured in this batch are stored and stay on the server until the next run deletes them)',
      );
      expect(afterBatches).toEqual([]); // nothing was announced as deleted
      expect(stored.size).toBe(4);
      expect(await countOnServer(settings)).toBe(4);

      proxy.cutWhenClientSends = null;
      const result = await run();
      expect(result).toMatchObject({ seen: 4, captured: 0, alreadyCaptured: 4, deleted: 4 });
      expect(afterBatches).toEqual([4]);
      expect([...stored.values()]).toEqual(fixtures);
      expect(await countOnServer(settings)).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('keeps every committed batch when the connection drops in the middle of a 300-message fetch', async () => {
    const settings = newMailbox('none');
    const messages = generateMessages(300, { to: 'support@example.test', runId: 'pop3-300' }).map(
      (m) => m.raw,
    );
    await append(settings, messages);
    const proxy = await startFaultProxy({ host: dovecot.host, port: dovecot.pop3Port });
    try {
      const viaProxy = { ...settings, port: proxy.port };
      const { stored, capture } = dedupingStore();
      const deletedPerRun: number[][] = [[], []];
      const run = (index: number) =>
        fetchRun(viaProxy, {
          batchSize: 100,
          capture,
          afterBatchDeleted: async (receipts) => {
            deletedPerRun[index].push(receipts.length);
            // After the first batch is committed, the next QUIT never reaches the server.
            if (index === 0) proxy.cutWhenClientSends = /^QUIT/m;
          },
        });

      const error = await failureOf(run(0));
      expect(error.kind).toBe('connection');
      expect(error.message).toMatch(/QUIT: the connection was closed \(before QUIT: the 100 message/);
      expect(deletedPerRun[0]).toEqual([100]);
      expect(stored.size).toBe(200);
      expect(await countOnServer(settings)).toBe(200);

      proxy.cutWhenClientSends = null;
      const result = await run(1);
      expect(result).toMatchObject({ seen: 200, captured: 100, alreadyCaptured: 100, deleted: 200 });
      expect(deletedPerRun[1]).toEqual([100, 100]);
      // Each of the 300 exactly once, byte for byte.
      expect(stored.size).toBe(300);
      expect([...stored.values()].map((raw) => raw.toString('latin1')).sort()).toEqual(
        messages.map((raw) => raw.toString('latin1')).sort(),
      );
      expect(await countOnServer(settings)).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('stops between batches when the signal is aborted', async () => {
    const settings = newMailbox('tls');
    await appendFixtures(settings, 4);
    const controller = new AbortController();
    const { captured, capture } = collector();

    const result = await fetchRun(settings, {
      batchSize: 2,
      capture,
      afterBatchDeleted: async () => controller.abort(),
      signal: controller.signal,
    });

    expect(result).toMatchObject({ seen: 4, captured: 2, deleted: 2, stoppedEarly: true });
    expect(captured).toHaveLength(2);
    expect(await countOnServer(settings)).toBe(2);
  });
});

/** A CRLF message of exactly `size` bytes, with lines that start with a dot (byte-stuffed on the wire). */
function messageOfSize(size: number, id: string): Buffer {
  const head = `From: a@example.test\r\nTo: b@example.test\r\nSubject: ${id}\r\nMessage-ID: <${id}@example.test>\r\n\r\n`;
  // Three stuffed lines only, so the answer on the wire is about `size` + status line + 3 + 3 bytes.
  let body = `.one\r\n..two\r\n.three\r\n`;
  const line = `${'x'.repeat(70)}\r\n`;
  while (head.length + body.length + line.length <= size - 4) body += line;
  const filler = size - head.length - body.length - 2;
  return Buffer.from(`${head}${body}${'y'.repeat(filler)}\r\n`, 'latin1');
}

/**
 * RETRs each message over its own raw TLS connection and counts the answers whose end marker
 * `CRLF.CRLF` arrived split over two `data` chunks (the case node-pop3 never returned from).
 */
async function terminatorsSplitAcrossChunks(
  settings: Pop3ConnectionSettings,
  count: number,
): Promise<number> {
  if (settings.auth.kind !== 'password') throw new Error('password users only');
  const { user, password } = settings.auth;
  const socket = connectTls({ host: dovecot.host, port: dovecot.pop3sPort, ca: [dovecot.caCertPem] });
  const chunks: Buffer[] = [];
  let waiting: { until: (data: Buffer) => boolean; resolve: () => void } | null = null;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    if (waiting && waiting.until(Buffer.concat(chunks))) waiting.resolve();
  });
  const exchange = (line: string | null, until: (data: Buffer) => boolean) =>
    new Promise<Buffer[]>((resolve) => {
      chunks.length = 0;
      waiting = {
        until,
        resolve: () => {
          waiting = null;
          resolve([...chunks]);
        },
      };
      if (line !== null) socket.write(`${line}\r\n`);
    });
  const statusLine = (data: Buffer) => data.includes('\r\n');
  const multiline = (data: Buffer) => data.subarray(-5).toString() === '\r\n.\r\n';
  await exchange(null, statusLine);
  await exchange(`USER ${user}`, statusLine);
  await exchange(`PASS ${password}`, statusLine);
  let straddled = 0;
  for (let number = 1; number <= count; number++) {
    const received = await exchange(`RETR ${number}`, multiline);
    const total = received.reduce((sum, chunk) => sum + chunk.length, 0);
    let boundary = 0;
    for (const chunk of received.slice(0, -1)) {
      boundary += chunk.length;
      if (boundary > total - 5 && boundary < total) straddled++;
    }
  }
  socket.end('QUIT\r\n');
  return straddled;
}
