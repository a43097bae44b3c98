import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  generateMessages,
  startPipelineScenario,
  SUPPORT_ADDRESS,
  type PipelineScenario,
} from '@twe/testing';

/**
 * Crash safety: SIGKILL the fetcher and the processor in the middle of a 200-message batch, start
 * them again, and every message must become exactly one ticket log — none lost, none twice.
 */
const MESSAGE_COUNT = 200;

describe('crash safety', () => {
  let scenario: PipelineScenario;
  let stateAtKill: { captured: number; processed: number; inbox: number };

  beforeAll(async () => {
    // Small batches so the kill lands between capture, delete and enqueue of a running fetch.
    scenario = await startPipelineScenario({ env: { FETCH_BATCH_SIZE: '10' } });
    const messages = generateMessages(MESSAGE_COUNT, {
      to: SUPPORT_ADDRESS,
      runId: randomBytes(4).toString('hex'),
      attachmentEvery: 5,
      attachmentSizes: [30_000, 120_000],
    });
    await scenario.appendMessages(messages.map((m) => m.raw));
    await scenario.fetchNow();

    await scenario.waitFor(
      'the first captured messages',
      async () => {
        const [row] = await scenario.query<{ count: string }>('select count(*) from inbound_message');
        return Number(row.count) >= 15;
      },
      60_000,
    );
    await Promise.all([
      scenario.system.kill('mail-fetcher', 'SIGKILL'),
      scenario.system.kill('ticket-processor', 'SIGKILL'),
    ]);
    const [counts] = await scenario.query<{ captured: string; processed: string }>(
      `select count(*) as captured, count(*) filter (where state = 'processed') as processed from inbound_message`,
    );
    stateAtKill = {
      captured: Number(counts.captured),
      processed: Number(counts.processed),
      inbox: await scenario.inboxCount(),
    };

    await Promise.all([scenario.system.start('mail-fetcher'), scenario.system.start('ticket-processor')]);
    await scenario.fetchNow();
    await scenario.waitUntilSettled(MESSAGE_COUNT, 240_000);
  }, 420_000);

  afterAll(async () => {
    await scenario?.stop();
  });

  it('was killed in the middle of the batch', () => {
    expect(stateAtKill.captured).toBeLessThan(MESSAGE_COUNT);
    expect(stateAtKill.inbox).toBeGreaterThan(0);
  });

  it('captures every message exactly once and leaves the mailbox empty', async () => {
    const [row] = await scenario.query<{ total: string; distinct_ids: string }>(
      `select count(*) as total, count(distinct remote_id) as distinct_ids from inbound_message`,
    );
    expect(Number(row.total)).toBe(MESSAGE_COUNT);
    expect(Number(row.distinct_ids)).toBe(MESSAGE_COUNT);
    expect(await scenario.inboxCount()).toBe(0);
  });

  it('makes exactly one ticket log per message, none lost, none twice', async () => {
    const perMessage = await scenario.query<{ message_id: string; logs: string; tickets: string }>(
      `select l.message_id, count(*) as logs, count(distinct l.ticket_id) as tickets
         from ticket_log l group by l.message_id`,
    );
    expect(perMessage).toHaveLength(MESSAGE_COUNT);
    expect(perMessage.filter((r) => Number(r.logs) !== 1 || Number(r.tickets) !== 1)).toEqual([]);
    const [tickets] = await scenario.query<{ count: string }>(
      `select count(*) from ticket where kind = 'normal'`,
    );
    expect(Number(tickets.count)).toBe(MESSAGE_COUNT);
  });

  it('queues one notification and one forward per log, and sends each', async () => {
    const [row] = await scenario.query<{ total: string; sent: string; distinct_logs: string }>(
      `select count(*) as total, count(*) filter (where status = 'sent') as sent,
              count(distinct ticket_log_id) as distinct_logs from email_queue`,
    );
    expect(Number(row.total)).toBe(MESSAGE_COUNT * 2);
    expect(Number(row.sent)).toBe(MESSAGE_COUNT * 2);
    expect(Number(row.distinct_logs)).toBe(MESSAGE_COUNT);
    expect(scenario.sink.messages).toHaveLength(MESSAGE_COUNT * 2);
    const subjects = new Set(scenario.sink.messages.map((mail) => mail.parsed.subject));
    expect(subjects.size).toBe(MESSAGE_COUNT);
  });
});
