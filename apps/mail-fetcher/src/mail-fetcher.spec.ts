import { randomBytes } from 'node:crypto';

import { verifyImapConnection, withImapSession, type ImapConnectionSettings } from '@twe/mail';
import {
  BackgroundTaskName,
  BackgroundTaskSetting,
  InboundMessage,
  InboundState,
  Mailbox,
  MailboxKind,
  MailboxSecurity,
  TicketType,
} from '@twe/persistence';
import { jobId } from '@twe/queues';
import { readMailFixture, startDovecot, type DovecotServer } from '@twe/testing';
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
import type { CapturedInboundSweeper } from './captured-inbound.sweeper';
import { messagesCapturedTotal } from './fetch-metrics';
import type { FetchScheduleReconciler } from './fetch-schedule.reconciler';
import { MailboxFetchLock } from './mailbox-fetch-lock';

// Modules that import @twe/runtime are loaded only once the environment is set: importing it reads
// appConfig() (its DatabaseModule's factory runs at import), which caches the configuration per process.
let sweeper: CapturedInboundSweeper;
let reconciler: FetchScheduleReconciler;

const users = dovecotUsers(10, (i) => `box${i}`);
let nextUser = 0;

let dovecot: DovecotServer;
let harness: FetcherHarness;

beforeAll(async () => {
  dovecot = await startDovecot({ users });
  harness = await startFetcherHarness({ env: { FETCH_BATCH_SIZE: '2' } });
  sweeper = harness.app.get((await import('./captured-inbound.sweeper.js')).CapturedInboundSweeper);
  reconciler = harness.app.get((await import('./fetch-schedule.reconciler.js')).FetchScheduleReconciler);
});

afterAll(async () => {
  await harness?.close();
  await dovecot?.stop();
});

interface TestMailbox {
  id: number;
  settings: ImapConnectionSettings;
}

async function createMailbox(
  options: { activeType?: boolean; password?: string } = {},
): Promise<TestMailbox> {
  const login = users[nextUser++];
  const mailbox = await harness.createDovecotMailbox(dovecot, login, {
    kind: MailboxKind.Imap,
    port: dovecot.imapPort,
    security: MailboxSecurity.StartTls,
    emailTo: `${login.user}@example.com`,
    password: options.password,
    activeType: options.activeType,
  });
  return {
    id: mailbox.id,
    settings: dovecotLogin(dovecot, login, { port: dovecot.imapPort, security: 'starttls' }),
  };
}

async function uidValidityOf(settings: ImapConnectionSettings): Promise<string> {
  return withImapSession(settings, async (session) =>
    (await session.client.mailboxOpen('INBOX')).uidValidity.toString(),
  );
}

describe('mail.fetch', () => {
  it('captures every message, empties INBOX, enqueues inbound.process and records health', async () => {
    const box = await createMailbox();
    const fixtures = CRLF_FIXTURES.map((name) => readMailFixture(name));
    await appendToInbox(box.settings, fixtures);
    const capturedBefore = (await messagesCapturedTotal.get()).values[0]?.value ?? 0;

    const end = await harness.runFetchJob(box.id);

    expect(end).toMatchObject({
      state: 'completed',
      outcome: {
        status: 'done',
        result: { seen: 5, captured: 5, alreadyCaptured: 0, deleted: 5 },
        enqueued: 5,
      },
    });
    const rows = await harness.capturedRows(box.id);
    expect(rows.map((row) => row.sha256)).toEqual(fixtures.map(sha256));
    expect(rows.map((row) => row.size)).toEqual(fixtures.map((bytes) => bytes.length));
    expect(rows.map((row) => row.raw)).toEqual(fixtures);
    expect(rows.every((row) => row.state === InboundState.Captured && !row.truncated)).toBe(true);
    expect(await verifyImapConnection(box.settings)).toEqual({ messages: 0 });

    for (const row of rows) {
      const job = await harness.inboundQueue.getJob(jobId.inbound(row.id));
      expect(job?.data).toEqual({ inboundMessageId: row.id });
    }

    const mailbox = await harness.orm.em.fork().findOneOrFail(Mailbox, box.id);
    expect(mailbox.lastFetchStartedAt).toBeInstanceOf(Date);
    expect(mailbox.lastFetchFinishedAt).toBeInstanceOf(Date);
    expect(mailbox.lastSuccessAt).toBeInstanceOf(Date);
    expect(mailbox.lastFetchCapturedCount).toBe(5);
    expect(mailbox.consecutiveFailures).toBe(0);
    expect(mailbox.lastError).toBeNull();
    expect((await messagesCapturedTotal.get()).values[0]?.value).toBe(capturedBefore + 5);
  });

  it('after a crash between capture and delete: no duplicate rows, messages deleted, pending ones enqueued', async () => {
    const box = await createMailbox();
    const fixtures = CRLF_FIXTURES.slice(0, 3).map((name) => readMailFixture(name));
    const uids = await appendToInbox(box.settings, fixtures);
    const uidValidity = await uidValidityOf(box.settings);
    // What a crashed run leaves behind: rows committed, messages still on the server, no jobs.
    const em = harness.orm.em.fork();
    const mailbox = await em.findOneOrFail(Mailbox, box.id);
    const earlier = [0, 1].map(
      (i) =>
        new InboundMessage({
          mailbox,
          remoteId: `${uidValidity}:${uids[i]}`,
          raw: fixtures[i],
          size: fixtures[i].length,
          truncated: false,
          sha256: sha256(fixtures[i]),
        }),
    );
    earlier[1].state = InboundState.Processed; // already turned into a ticket: delete it, do not process again
    await em.persistAndFlush(earlier);

    const end = await harness.runFetchJob(box.id);

    expect(end).toMatchObject({
      state: 'completed',
      outcome: {
        status: 'done',
        result: { seen: 3, captured: 1, alreadyCaptured: 2, deleted: 3 },
        enqueued: 2,
      },
    });
    const rows = await harness.capturedRows(box.id);
    expect(rows).toHaveLength(3);
    expect(rows.map((row) => row.remoteId)).toEqual(uids.map((uid) => `${uidValidity}:${uid}`));
    expect(await verifyImapConnection(box.settings)).toEqual({ messages: 0 });
    expect(await harness.inboundQueue.getJob(jobId.inbound(rows[0].id))).toBeDefined();
    expect(await harness.inboundQueue.getJob(jobId.inbound(rows[1].id))).toBeUndefined();
    expect(await harness.inboundQueue.getJob(jobId.inbound(rows[2].id))).toBeDefined();

    // And once more with nothing left: still no new rows.
    const again = await harness.runFetchJob(box.id);
    expect(again).toMatchObject({ state: 'completed', outcome: { status: 'done', result: { seen: 0 } } });
    expect(await harness.capturedRows(box.id)).toHaveLength(3);
  });

  it('records a refused login on the mailbox without the password, and fails the job', async () => {
    const wrongPassword = `wrong-${randomBytes(6).toString('hex')}`;
    const box = await createMailbox({ password: wrongPassword });

    const end = await harness.runFetchJob(box.id);

    expect(end.state).toBe('failed');
    const reason = end.state === 'failed' ? end.reason : '';
    expect(reason).toContain('[AUTHENTICATIONFAILED] Authentication failed.');
    expect(reason).not.toContain(wrongPassword);
    const mailbox = await harness.orm.em.fork().findOneOrFail(Mailbox, box.id);
    expect(mailbox.consecutiveFailures).toBe(1);
    expect(mailbox.lastError).toContain('[AUTHENTICATIONFAILED]');
    expect(mailbox.lastError).not.toContain(wrongPassword);
    expect(mailbox.lastSuccessAt).toBeNull();
  });

  it('does not fetch a mailbox without an active ticket type', async () => {
    const box = await createMailbox({ activeType: false });
    await appendToInbox(box.settings, [readMailFixture(CRLF_FIXTURES[0])]);

    const end = await harness.runFetchJob(box.id);

    expect(end).toEqual({
      state: 'completed',
      outcome: { status: 'skipped', reason: 'no active ticket type' },
    });
    expect(await verifyImapConnection(box.settings)).toEqual({ messages: 1 });
    expect(await harness.capturedRows(box.id)).toHaveLength(0);
  });

  it('finishes with "already fetching" while another fetch holds the mailbox lock', async () => {
    const box = await createMailbox();
    await appendToInbox(box.settings, [readMailFixture(CRLF_FIXTURES[0])]);
    const held = await MailboxFetchLock.tryAcquire(harness.database.url, box.id);
    expect(held).not.toBeNull();
    try {
      expect(await MailboxFetchLock.tryAcquire(harness.database.url, box.id)).toBeNull();
      const end = await harness.runFetchJob(box.id);
      expect(end).toEqual({ state: 'completed', outcome: { status: 'already-fetching' } });
      expect(await verifyImapConnection(box.settings)).toEqual({ messages: 1 });
    } finally {
      await held?.release();
    }
    const end = await harness.runFetchJob(box.id);
    expect(end).toMatchObject({ state: 'completed', outcome: { status: 'done', result: { captured: 1 } } });
  });
});

describe('sweeper', () => {
  it('enqueues rows left in "captured" for more than a minute, and only those', async () => {
    const box = await createMailbox();
    const em = harness.orm.em.fork();
    const mailbox = await em.findOneOrFail(Mailbox, box.id);
    const raw = readMailFixture(CRLF_FIXTURES[0]);
    const [stale, fresh] = ['stale', 'fresh'].map(
      (name) =>
        new InboundMessage({
          mailbox,
          remoteId: `1:${name}`,
          raw,
          size: raw.length,
          truncated: false,
          sha256: sha256(raw),
        }),
    );
    stale.capturedAt = new Date(Date.now() - 5 * 60_000);
    await em.persistAndFlush([stale, fresh]);

    expect(await sweeper.sweep()).toBeGreaterThanOrEqual(1);

    expect((await harness.inboundQueue.getJob(jobId.inbound(stale.id)))?.data).toEqual({
      inboundMessageId: stale.id,
    });
    expect(await harness.inboundQueue.getJob(jobId.inbound(fresh.id))).toBeUndefined();
  });
});

describe('fetch schedules', () => {
  // Last in the file: schedulers start fetch jobs for every qualifying mailbox made above.
  it('follow the mailboxes with active types and the email-processing setting at run time', async () => {
    const box = await createMailbox();
    const every = async (mailboxId: number) =>
      (await harness.fetchQueue.getJobScheduler(jobId.fetchScheduler(mailboxId)))?.every;

    const first = await reconciler.reconcile();
    expect(first.upserted).toContain(box.id);
    expect(await every(box.id)).toBe(600_000);
    expect((await reconciler.reconcile()).upserted).toEqual([]); // unchanged schedulers are left alone

    const em = harness.orm.em.fork();
    const setting = await em.findOneOrFail(BackgroundTaskSetting, {
      name: BackgroundTaskName.EmailProcessing,
    });
    setting.intervalSeconds = 120;
    await em.flush();
    await reconciler.reconcile();
    expect(await every(box.id)).toBe(120_000);

    const type = await em.findOneOrFail(TicketType, { mailbox: box.id });
    type.active = false;
    await em.flush();
    expect((await reconciler.reconcile()).removed).toContain(box.id);
    expect(await every(box.id)).toBeUndefined();
    type.active = true;
    await em.flush();
    await reconciler.reconcile();
    expect(await every(box.id)).toBe(120_000);

    setting.enabled = false;
    await em.flush();
    await reconciler.reconcile();
    const left = (await harness.fetchQueue.getJobSchedulers(0, -1)).filter((scheduler) =>
      scheduler.key.startsWith('mailbox-'),
    );
    expect(left).toEqual([]);
  });
});
