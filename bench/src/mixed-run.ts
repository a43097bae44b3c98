import { createHash, randomBytes } from 'node:crypto';

import { createQueue, enqueueInboundProcessBulk, QueueName } from '@twe/queues';
import {
  composeMail,
  generateMessages,
  mailExpectations,
  readMailFixture,
  REDMINE_ADDRESS,
  startPipelineScenario,
  SUPPORT_ADDRESS,
  testRedisUrl,
} from '@twe/testing';

/**
 * Issue 4 robustness run: N mixed messages (default 5,000) stored as captured inbound rows of the
 * helpdesk mailbox and handed to the real services (ticket-processor workers, mail-sender to the
 * SMTP sink), as the fetcher would after capture. The mix: new enquiries (generator, some with
 * attachments), tagged replies of the customer, reply-all by Message-ID, strangers with copied
 * tags, out-of-office replies, bounces, list mail, our own mail coming back, messages to two types,
 * invalid (no type) messages, duplicate deliveries, and every public corpus sample in turn.
 * It checks that nothing crashes and no job or row is stuck, and prints the figures.
 *
 *   npm run bench -- mixed [count]
 */
type Kind =
  | 'enquiry'
  | 'tag-reply'
  | 'reply-all'
  | 'stranger-tag'
  | 'out-of-office'
  | 'bounce'
  | 'list'
  | 'own-mail'
  | 'two-types'
  | 'invalid'
  | 'duplicate'
  | 'corpus';

const MIX: Kind[] = [
  'enquiry',
  'enquiry',
  'enquiry',
  'enquiry',
  'enquiry',
  'enquiry',
  'tag-reply',
  'reply-all',
  'stranger-tag',
  'out-of-office',
  'bounce',
  'list',
  'own-mail',
  'two-types',
  'invalid',
  'duplicate',
  'corpus',
  'corpus',
  'tag-reply',
  'reply-all',
];

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 5000);
  const runId = randomBytes(4).toString('hex');
  const scenario = await startPipelineScenario({ env: { LOG_LEVEL: 'warn' } });
  const queue = createQueue(QueueName.InboundProcess, {
    redisUrl: testRedisUrl(),
    prefix: scenario.queuePrefix,
  });
  try {
    // Phase 1 makes the tickets later messages answer; their ids (from the database) fill the tags.
    const enquiries = generateMessages(Math.ceil(count * 0.3), {
      to: SUPPORT_ADDRESS,
      runId,
      attachmentEvery: 5,
      attachmentSizes: [5_000, 50_000, 200_000],
    });
    const started = Date.now();
    await captureAndEnqueue(enquiries.map((message) => message.raw));
    await settle(enquiries.length);
    const threads = await scenario.query<{
      ticket_id: number;
      log_id: number;
      message_id: string;
      from_address: string;
    }>(`select ticket_id, id as log_id, message_id, from_address from ticket_log order by id`);

    const corpus = mailExpectations()
      .map((record) => record.file)
      .filter((file) => !['syn-13-zero-byte-file.eml', 'syn-15-large-30mb.eml'].includes(file));
    const kinds = new Map<Kind, number>();
    const rest: Buffer[] = [];
    for (let n = 0; rest.length < count - enquiries.length; n++) {
      const kind = MIX[n % MIX.length];
      const thread = threads[n % threads.length];
      const tag = `[Support #${thread.ticket_id}-${thread.log_id}]`;
      const id = `<mix-${runId}-${n}@bench.example>`;
      const base = { to: SUPPORT_ADDRESS, messageId: id, subject: `Re: ${tag} Order question` };
      let raws: Buffer[];
      switch (kind) {
        case 'enquiry':
          raws = [
            composeMail({ ...base, from: `new${n}@customers.example.com`, subject: `New question ${n}` }),
          ];
          break;
        case 'tag-reply':
          raws = [composeMail({ ...base, from: thread.from_address })];
          break;
        case 'reply-all':
          raws = [
            composeMail({
              ...base,
              from: `colleague${n}@customers.example.com`,
              subject: 'Re: Order question',
              inReplyTo: thread.message_id,
              references: thread.message_id,
            }),
          ];
          break;
        case 'stranger-tag':
          raws = [composeMail({ ...base, from: `stranger${n}@elsewhere.example` })];
          break;
        case 'out-of-office':
          raws = [
            composeMail({ ...base, from: thread.from_address, headers: ['Auto-Submitted: auto-replied'] }),
          ];
          break;
        case 'bounce':
          raws = [
            composeMail({
              ...base,
              from: 'MAILER-DAEMON@mx.bench.example',
              subject: 'Undelivered Mail Returned to Sender',
              headers: ['Return-Path: <>'],
            }),
          ];
          break;
        case 'list':
          raws = [
            composeMail({
              ...base,
              from: `list${n % 7}@lists.example`,
              subject: `Weekly digest ${n}`,
              headers: ['List-Id: <digest.lists.example>', 'Precedence: list'],
            }),
          ];
          break;
        case 'own-mail':
          raws = [composeMail({ ...base, from: SUPPORT_ADDRESS, headers: ['X-TWE-Loop: twe.example.com'] })];
          break;
        case 'two-types':
          raws = [
            composeMail({
              ...base,
              from: `both${n}@customers.example.com`,
              cc: REDMINE_ADDRESS,
              subject: `Both ${n}`,
            }),
          ];
          break;
        case 'invalid':
          raws = [
            composeMail({
              ...base,
              from: `lost${n}@customers.example.com`,
              to: 'nobody@helpdesk.example.com',
            }),
          ];
          break;
        case 'duplicate': {
          const raw = composeMail({
            ...base,
            from: `twice${n}@customers.example.com`,
            subject: `Twice ${n}`,
          });
          raws = [raw, raw];
          break;
        }
        case 'corpus':
          raws = [readMailFixture(corpus[n % corpus.length])];
          break;
      }
      kinds.set(kind, (kinds.get(kind) ?? 0) + raws.length);
      rest.push(...raws);
    }
    const restStarted = Date.now();
    await captureAndEnqueue(rest);
    await settle(count);
    const seconds = (Date.now() - started) / 1000;
    const restSeconds = (Date.now() - restStarted) / 1000;

    const [totals] = await scenario.query<Record<string, string>>(
      `select (select count(*) from inbound_message) as captured,
              (select count(*) from inbound_message where state = 'processed') as processed,
              (select count(*) from inbound_message where state = 'failed') as failed,
              (select count(*) from inbound_message where error like 'Duplicate delivery%') as duplicates,
              (select count(*) from ticket) as tickets,
              (select count(*) from ticket where kind = 'invalid') as invalid,
              (select count(*) from ticket where kind = 'error') as errors,
              (select count(*) from ticket_log) as logs,
              (select count(*) from ticket_log where machine_mail is not null) as machine_logs,
              (select count(*) from ticket_log where threading_note is not null) as noted_logs,
              (select count(*) from ticket_status_change) as status_changes,
              (select count(*) from email_queue where status = 'sent') as sent,
              (select count(*) from email_queue where status in ('queued', 'sending')) as unsent,
              (select count(*) from email_queue where status = 'failed') as send_failed`,
    );
    const jobs = await queue.getJobCounts(
      'waiting',
      'active',
      'delayed',
      'failed',
      'completed',
      'prioritized',
    );
    console.log(
      `\nMixed run: ${count} messages (${[...kinds].map(([k, v]) => `${k} ${v}`).join(', ')}, enquiries first ${enquiries.length})`,
    );
    console.log(`| figure | value |\n| --- | --- |`);
    console.log(`| wall time, all phases (s) | ${seconds.toFixed(1)} |`);
    console.log(
      `| mixed phase (s) / messages per s | ${restSeconds.toFixed(1)} / ${(rest.length / restSeconds).toFixed(0)} |`,
    );
    for (const [name, value] of Object.entries(totals)) console.log(`| ${name} | ${value} |`);
    console.log(`| inbound.process jobs | ${JSON.stringify(jobs)} |`);
    console.log(`| SMTP sink messages | ${scenario.sink.messages.length} |`);
    const stuck =
      Number(totals.processed) !== count ||
      Number(totals.unsent) !== 0 ||
      jobs.waiting + jobs.active + jobs.delayed + jobs.failed + jobs.prioritized !== 0;
    console.log(
      stuck
        ? '\nRESULT: something is stuck or failed (see above)'
        : '\nRESULT: no crash, no stuck job, every row final',
    );
    if (stuck) process.exitCode = 1;
  } finally {
    await queue.close();
    await scenario.stop();
  }

  /** Stores messages as the fetcher does (captured rows of the mailbox) and enqueues their jobs. */
  async function captureAndEnqueue(raws: Buffer[]): Promise<void> {
    for (let start = 0; start < raws.length; start += 500) {
      const batch = raws.slice(start, start + 500);
      const rows = await scenario.query<{ id: number }>(
        `insert into inbound_message (mailbox_id, remote_id, raw, size, sha256)
         select $1, 'bench:' || gen_random_uuid(), r, length(r), s from unnest($2::bytea[], $3::text[]) as t(r, s)
         returning id`,
        [scenario.mailboxId, batch, batch.map((raw) => createHash('sha256').update(raw).digest('hex'))],
      );
      await enqueueInboundProcessBulk(
        queue,
        rows.map((row) => ({ inboundMessageId: row.id })),
      );
    }
  }

  async function settle(expected: number): Promise<void> {
    await scenario.waitFor(
      `${expected} messages processed and every email final`,
      async () => {
        const [row] = await scenario.query<{ done: string; unsent: string }>(
          `select (select count(*) from inbound_message where state <> 'captured') as done,
                  (select count(*) from email_queue where status in ('queued', 'sending')) as unsent`,
        );
        return Number(row.done) >= expected && Number(row.unsent) === 0;
      },
      600_000,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
