import { randomBytes } from 'node:crypto';

import { verifyPop3Connection, type Pop3ConnectionSettings } from '@twe/mail';
import { InboundState, Mailbox, MailboxKind, MailboxSecurity } from '@twe/persistence';
import { jobId } from '@twe/queues';
import {
  dropIntoMaildir,
  readMailFixture,
  startDovecot,
  startFaultProxy,
  type DovecotServer,
  type FaultProxy,
} from '@twe/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  appendToInbox,
  CRLF_FIXTURES,
  dovecotLogin,
  dovecotUsers,
  sha256,
  startFetcherHarness,
  type FetcherHarness,
} from '../test/fetcher-test-harness';
import type { MailboxConnectionTestService } from './mailbox-connection-test.service';

/**
 * POP3 mailboxes through the real fetcher module (in process): Dovecot's POP3, PostgreSQL, Redis.
 * Modules that import @twe/runtime are loaded only once the environment is set (appConfig() caches it).
 */

const users = dovecotUsers(8, (i) => `pop${i}@example.test`);
let nextUser = 0;

let dovecot: DovecotServer;
let proxy: FaultProxy;
let harness: FetcherHarness;
let connectionTest: MailboxConnectionTestService;

beforeAll(async () => {
  dovecot = await startDovecot({ users });
  proxy = await startFaultProxy({ host: dovecot.host, port: dovecot.pop3Port });
  harness = await startFetcherHarness({
    env: { FETCH_BATCH_SIZE: '2', MAILBOX_TEST_TIMEOUT_MS: '5000' },
  });
  connectionTest = harness.app.get(
    (await import('./mailbox-connection-test.service.js')).MailboxConnectionTestService,
  );
});

afterAll(async () => {
  await harness?.close();
  await proxy?.close();
  await dovecot?.stop();
});

interface TestMailbox {
  id: number;
  /** Straight to Dovecot (the mailbox row may point at the proxy). */
  settings: Pop3ConnectionSettings;
}

async function createMailbox(
  options: { kind?: MailboxKind; security?: MailboxSecurity; port?: number; password?: string } = {},
): Promise<TestMailbox> {
  const login = users[nextUser++];
  const security = options.security ?? MailboxSecurity.StartTls;
  const mailbox = await harness.createDovecotMailbox(dovecot, login, {
    kind: options.kind ?? MailboxKind.Pop3,
    port: options.port ?? (security === MailboxSecurity.Tls ? dovecot.pop3sPort : dovecot.pop3Port),
    security,
    emailTo: login.user,
    password: options.password,
  });
  return {
    id: mailbox.id,
    settings: dovecotLogin(dovecot, login, { port: dovecot.pop3sPort, security: 'tls' }),
  };
}

/** POP3 has no APPEND: messages go into the same maildir over IMAP. */
async function deliver(box: TestMailbox, messages: Buffer[]): Promise<void> {
  await appendToInbox({ ...box.settings, port: dovecot.imapsPort, timeouts: undefined }, messages);
}

async function onServer(box: TestMailbox): Promise<number> {
  return (await verifyPop3Connection(box.settings)).messages;
}

describe('mail.fetch of a POP3 mailbox', () => {
  it('captures the real sample messages, empties the maildrop, enqueues inbound.process and records health', async () => {
    const box = await createMailbox({ security: MailboxSecurity.StartTls });
    const fixtures = CRLF_FIXTURES.map((name) => readMailFixture(name));
    await deliver(box, fixtures);

    const end = await harness.runFetchJob(box.id);

    expect(end).toMatchObject({
      state: 'completed',
      outcome: {
        status: 'done',
        result: { seen: 5, captured: 5, alreadyCaptured: 0, deleted: 5, problems: [] },
        enqueued: 5,
      },
    });
    const rows = await harness.capturedRows(box.id);
    expect(rows.map((row) => row.sha256)).toEqual(fixtures.map(sha256));
    expect(rows.map((row) => row.raw)).toEqual(fixtures);
    expect(rows.every((row) => row.state === InboundState.Captured && !row.truncated)).toBe(true);
    expect(rows.every((row) => /^pop3:[0-9a-f]{16}$/.test(row.remoteId))).toBe(true);
    expect(await onServer(box)).toBe(0);
    for (const row of rows) {
      expect((await harness.inboundQueue.getJob(jobId.inbound(row.id)))?.data).toEqual({
        inboundMessageId: row.id,
      });
    }
    const mailbox = await harness.orm.em.fork().findOneOrFail(Mailbox, box.id);
    expect(mailbox).toMatchObject({ lastFetchCapturedCount: 5, consecutiveFailures: 0, lastError: null });
    expect(mailbox.lastSuccessAt).toBeInstanceOf(Date);
  });

  it('after the connection drops before QUIT: nothing lost, health says so, the next run yields each message once', async () => {
    const box = await createMailbox({ security: MailboxSecurity.None, port: proxy.port });
    const fixtures = CRLF_FIXTURES.slice(0, 3).map((name) => readMailFixture(name));
    await deliver(box, fixtures);
    proxy.cutWhenClientSends = /^QUIT/m;
    const cutsBefore = proxy.cuts;

    const failed = await harness.runFetchJob(box.id);

    expect(proxy.cuts).toBe(cutsBefore + 1);
    expect(failed.state).toBe('failed');
    const note =
      `POP3 127.0.0.1:${proxy.port}: QUIT: the connection was closed (before QUIT: the 2 message(s) ` +
      'captured in this batch are stored and stay on the server until the next run deletes them)';
    expect(failed.state === 'failed' && failed.reason).toBe(note);
    let mailbox = await harness.orm.em.fork().findOneOrFail(Mailbox, box.id);
    expect(mailbox).toMatchObject({ consecutiveFailures: 1, lastError: note, lastFetchCapturedCount: 2 });
    expect(mailbox.lastSuccessAt).toBeNull();
    // Nothing lost: the first batch is stored and still on the server; no processing was announced.
    const stored = await harness.capturedRows(box.id);
    expect(stored.map((row) => row.raw)).toEqual(fixtures.slice(0, 2));
    expect(await onServer(box)).toBe(3);
    for (const row of stored)
      expect(await harness.inboundQueue.getJob(jobId.inbound(row.id))).toBeUndefined();

    proxy.cutWhenClientSends = null;
    const end = await harness.runFetchJob(box.id);

    expect(end).toMatchObject({
      state: 'completed',
      outcome: {
        status: 'done',
        result: { seen: 3, captured: 1, alreadyCaptured: 2, deleted: 3 },
        enqueued: 3,
      },
    });
    const rows = await harness.capturedRows(box.id);
    expect(rows.map((row) => row.raw)).toEqual(fixtures);
    expect(new Set(rows.map((row) => row.remoteId)).size).toBe(3);
    expect(await onServer(box)).toBe(0);
    for (const row of rows) expect(await harness.inboundQueue.getJob(jobId.inbound(row.id))).toBeDefined();
    mailbox = await harness.orm.em.fork().findOneOrFail(Mailbox, box.id);
    expect(mailbox).toMatchObject({ consecutiveFailures: 0, lastError: null, lastFetchCapturedCount: 1 });
  });

  it('leaves a message whose body comes back empty on the server and shows it in the health', async () => {
    const box = await createMailbox({ security: MailboxSecurity.Tls });
    await deliver(box, [readMailFixture(CRLF_FIXTURES[0])]);
    await dropIntoMaildir(dovecot, box.settings.auth.user, ''); // Dovecot refuses to APPEND 0 bytes
    await deliver(box, [readMailFixture(CRLF_FIXTURES[1])]);

    const end = await harness.runFetchJob(box.id);

    expect(end).toMatchObject({
      state: 'completed',
      outcome: { status: 'done', result: { seen: 3, captured: 2, deleted: 2 }, enqueued: 2 },
    });
    expect(await onServer(box)).toBe(1);
    expect((await harness.capturedRows(box.id)).map((row) => row.raw)).toEqual(
      CRLF_FIXTURES.slice(0, 2).map((name) => readMailFixture(name)),
    );
    const mailbox = await harness.orm.em.fork().findOneOrFail(Mailbox, box.id);
    expect(mailbox.consecutiveFailures).toBe(0);
    expect(mailbox.lastSuccessAt).toBeInstanceOf(Date);
    // Problems of a successful run are listed apart from failures (lastError is for failed runs).
    expect(mailbox.lastError).toBeNull();
    expect(mailbox.leftInMailbox).toHaveLength(1);
    expect(mailbox.leftInMailbox?.[0].remoteId).toMatch(/^pop3:[0-9a-f]{16}$/);
    expect(mailbox.leftInMailbox?.[0].reason).toBe(
      'the server returned an empty body (LIST size 0, 2 bytes read); left in the mailbox',
    );
  });

  it('records a refused login without the password, and fails the job', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const box = await createMailbox({ security: MailboxSecurity.Tls, password: wrong });

    const end = await harness.runFetchJob(box.id);

    expect(end.state).toBe('failed');
    const reason = end.state === 'failed' ? end.reason : '';
    expect(reason).toBe(
      `POP3 127.0.0.1:${dovecot.pop3sPort}: login refused for "${box.settings.auth.user}": -ERR [AUTH] Authentication failed.`,
    );
    const mailbox = await harness.orm.em.fork().findOneOrFail(Mailbox, box.id);
    expect(mailbox.lastError).toBe(reason);
    expect(mailbox.consecutiveFailures).toBe(1);
  });

  it('fails a POP3 - OAuth mailbox that has no OAuth settings, saying which are missing', async () => {
    const box = await createMailbox({ kind: MailboxKind.Pop3OAuth, security: MailboxSecurity.Tls });
    await deliver(box, [readMailFixture(CRLF_FIXTURES[0])]);

    const end = await harness.runFetchJob(box.id);

    const expected = `Mailbox ${box.id} has no OAuth tenant id, client id, client secret`;
    expect(end).toEqual({ state: 'failed', reason: expected });
    const mailbox = await harness.orm.em.fork().findOneOrFail(Mailbox, box.id);
    expect(mailbox.lastError).toBe(expected);
    expect(await onServer(box)).toBe(1);
  });
});

describe('test connection of a POP3 mailbox', () => {
  it.each([
    ['STLS', MailboxSecurity.StartTls],
    ['implicit TLS', MailboxSecurity.Tls],
  ])('logs in over %s and reports STAT', async (_situation, security) => {
    const box = await createMailbox({ security });
    const fixtures = CRLF_FIXTURES.slice(0, 2).map((name) => readMailFixture(name));
    await deliver(box, fixtures);
    const bytes = fixtures.reduce((sum, raw) => sum + raw.length, 0);

    const reply = await connectionTest.test(box.id);

    expect(reply).toMatchObject({
      ok: true,
      mailboxId: box.id,
      protocol: 'pop3',
      summary: `Logged in as ${box.settings.auth.user}; the maildrop holds 2 message(s), ${bytes} bytes`,
      failureKind: null,
      serverResponse: null,
    });
    expect(await onServer(box)).toBe(2); // a check deletes nothing
  });

  it('reports the server answer to a wrong password', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const box = await createMailbox({ password: wrong });

    const reply = await connectionTest.test(box.id);

    expect(reply).toMatchObject({
      ok: false,
      protocol: 'pop3',
      failureKind: 'auth',
      serverResponse: '-ERR [AUTH] Authentication failed.',
    });
    expect(JSON.stringify(reply)).not.toContain(wrong);
  });
});
