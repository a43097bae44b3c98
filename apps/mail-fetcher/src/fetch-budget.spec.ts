import { randomBytes } from 'node:crypto';

import { verifyImapConnection } from '@twe/mail';
import { FetchOutcomeKind, InboundMessage, MailboxKind, MailboxSecurity } from '@twe/persistence';
import { readMailFixture, startDovecot, type DovecotServer } from '@twe/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  appendToInbox,
  CRLF_FIXTURES,
  dovecotLogin,
  startFetcherHarness,
  type FetcherHarness,
} from '../test/fetcher-test-harness';
import type { MailboxFetchService } from './mailbox-fetch.service';

/**
 * FETCH_BUDGET_MS: a fetch that has spent its budget stops cleanly after the batch in hand (captured,
 * deleted, enqueued), keeps what it captured, says so on the mailbox, and the next run continues.
 * A budget of 1 ms is spent by the end of the first batch, which makes the stop point deterministic.
 */
const USER = 'budget';
const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;

let dovecot: DovecotServer;
let harness: FetcherHarness;
let fetcher: MailboxFetchService;

beforeAll(async () => {
  dovecot = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
  harness = await startFetcherHarness({ env: { FETCH_BATCH_SIZE: '3', FETCH_BUDGET_MS: '1' } });
  fetcher = harness.app.get((await import('./mailbox-fetch.service.js')).MailboxFetchService);
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await dovecot?.stop();
});

describe('fetch budget', () => {
  it('a spent budget stops after the first batch, keeps it, and the next run finishes', async () => {
    const login = { user: USER, password: PASSWORD };
    const settings = dovecotLogin(dovecot, login, { port: dovecot.imapPort, security: 'starttls' });
    const fixtures = CRLF_FIXTURES.map((name) => readMailFixture(name));
    await appendToInbox(settings, fixtures);
    const mailbox = await harness.createDovecotMailbox(dovecot, login, {
      name: 'Budget',
      kind: MailboxKind.Imap,
      port: dovecot.imapPort,
      security: MailboxSecurity.StartTls,
      emailTo: 'budget@example.com',
    });
    const healthOf = () => harness.reloadMailbox(mailbox.id);
    const rows = () => harness.orm.em.fork().count(InboundMessage, { mailbox: mailbox.id });

    const first = await fetcher.fetchMailbox(mailbox.id, { trigger: 'schedule' });

    expect(first).toMatchObject({
      status: 'done',
      budgetSpent: true,
      enqueued: 3,
      result: { seen: 5, captured: 3, deleted: 3, stoppedEarly: true },
    });
    expect(await healthOf()).toMatchObject({
      lastFetchOutcome: FetchOutcomeKind.StoppedAfterBudget,
      lastFetchCapturedCount: 3,
      consecutiveFailures: 0,
      lastError: null,
      backoffUntil: null,
    });
    expect(await rows()).toBe(3);
    expect((await verifyImapConnection(settings)).messages).toBe(2);

    const second = await fetcher.fetchMailbox(mailbox.id, { trigger: 'schedule' });

    expect(second).toMatchObject({
      status: 'done',
      budgetSpent: false,
      enqueued: 2,
      result: { seen: 2, captured: 2, deleted: 2, stoppedEarly: false },
    });
    expect(await healthOf()).toMatchObject({
      lastFetchOutcome: FetchOutcomeKind.Succeeded,
      lastFetchCapturedCount: 2,
    });
    expect(await rows()).toBe(5);
    const remoteIds = (await harness.orm.em.fork().find(InboundMessage, { mailbox: mailbox.id })).map(
      (row) => row.remoteId,
    );
    expect(new Set(remoteIds).size).toBe(5);
    expect((await verifyImapConnection(settings)).messages).toBe(0);
  });
});
