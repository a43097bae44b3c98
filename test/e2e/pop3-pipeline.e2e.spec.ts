import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  MAILBOX_PASSWORD,
  mailExpectations,
  REDMINE_ADMIN,
  startPipelineScenario,
  SUPPORT_ADDRESS,
  SUPPORT_ADMIN,
  SUPPORT_FORWARD,
  testRedisUrl,
  type PipelineScenario,
} from '@twe/testing';

import { sampleOutcomes, type SampleOutcome } from './mail-expectations';

/**
 * The pipeline end to end for a POP3 mailbox (STLS): real corpus mail put into Dovecot's maildir, the
 * four services as separate processes fetching it over POP3, tickets in PostgreSQL, notifications at
 * the SMTP sink, and the maildrop empty afterwards.
 */
const MAX_MESSAGE_BYTES = 64 * 1024;

interface TicketRow extends Record<string, unknown> {
  ticket_id: number;
  kind: string;
  type_name: string | null;
  log_id: number;
  sha256: string;
}

/** A few real samples of each outcome, in corpus order. Only ones that end with a line break: POP3
 * ends every message with CRLF, so those are served byte for byte (the same as over IMAP). */
function pickSamples(): SampleOutcome[] {
  const all = sampleOutcomes(
    mailExpectations()
      .map((record) => record.file)
      .filter((file) => !file.startsWith('syn-13') && !file.startsWith('syn-15')),
    MAX_MESSAGE_BYTES,
  ).filter((sample) => sample.duplicateOf === null && sample.raw.subarray(-1).toString() === '\n');
  const take = (match: (sample: SampleOutcome) => boolean, count: number) =>
    all.filter(match).slice(0, count);
  const picked = [
    ...take((s) => s.notified && s.types.length === 1 && s.types[0] === 'Support', 4),
    ...take((s) => s.notified && s.types.length === 1 && s.types[0] === 'Redmine', 2),
    ...take((s) => s.kind === 'invalid', 1),
  ];
  // The corpus messages with lines that start with a dot: byte-stuffed on the wire by the server.
  for (const file of DOT_LINE_FILES) {
    if (!picked.some((sample) => sample.file === file)) picked.push(all.find((s) => s.file === file)!);
  }
  return picked;
}

const DOT_LINE_FILES = [
  'imaptools-report_422.eml',
  'redmine-outlook_2010_html_only.eml',
  'redmine-ticket_reply_with_status.eml',
];

describe('pipeline end to end over POP3 (STLS -> tickets -> SMTP notifications)', () => {
  let scenario: PipelineScenario;
  let samples: SampleOutcome[];
  let rows: TicketRow[];

  beforeAll(async () => {
    samples = pickSamples();
    scenario = await startPipelineScenario({
      env: { FETCH_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES), FETCH_BATCH_SIZE: '3' },
      mailbox: { type: 'POP3', security: 'starttls' },
    });
    await scenario.appendMessages(samples.map((sample) => sample.raw));
    await scenario.fetchNow();
    await scenario.waitUntilSettled(samples.length, 120_000);
    rows = await scenario.query<TicketRow>(
      `select t.id as ticket_id, t.kind, tt.name as type_name, l.id as log_id, m.sha256
         from ticket t
         join ticket_log l on l.ticket_id = t.id
         join inbound_message m on m.id = l.inbound_message_id
         left join ticket_type tt on tt.id = t.type_id
        order by t.id`,
    );
  }, 300_000);

  afterAll(async () => {
    await scenario?.stop();
  });

  it('uses real samples of every outcome, some with byte-stuffed lines', () => {
    expect(samples.length).toBeGreaterThanOrEqual(8);
    expect(new Set(samples.map((sample) => sample.kind))).toEqual(new Set(['normal', 'invalid']));
    for (const file of DOT_LINE_FILES) {
      const sample = samples.find((s) => s.file === file)!;
      expect({ file, dotLines: /(^|\n)\./.test(sample.raw.toString('latin1')) }).toEqual({
        file,
        dotLines: true,
      });
    }
  });

  it('captures every message once over POP3, byte for byte, and empties the maildrop', async () => {
    const captured = await scenario.query<{ sha256: string; state: string; remote_id: string }>(
      'select sha256, state, remote_id from inbound_message order by id',
    );
    expect(captured.map((row) => row.sha256).sort()).toEqual(
      samples.map((sample) => sample.sha256AsServed).sort(),
    );
    expect(captured.every((row) => row.state === 'processed')).toBe(true);
    expect(captured.every((row) => /^pop3:[0-9a-f]{16}$/.test(row.remote_id))).toBe(true);
    expect(await scenario.inboxCount()).toBe(0);
  });

  it('makes one ticket per message, of the right type (or invalid)', () => {
    for (const sample of samples) {
      const tickets = rows.filter((row) => row.sha256 === sample.sha256AsServed);
      expect({ file: sample.file, types: tickets.map((ticket) => ticket.type_name ?? ticket.kind) }).toEqual({
        file: sample.file,
        types: sample.kind === 'normal' ? sample.types : ['invalid'],
      });
    }
  });

  it('sends the notifications to the admins (and the forward address), tagged', () => {
    const mails = scenario.sink.messages;
    const to = (address: string) => mails.filter((mail) => mail.envelopeTo.includes(address));
    const logs = (type: string) => rows.filter((row) => row.type_name === type);
    expect(to(SUPPORT_ADMIN)).toHaveLength(logs('Support').length);
    expect(to(SUPPORT_FORWARD)).toHaveLength(logs('Support').length);
    expect(to(REDMINE_ADMIN)).toHaveLength(logs('Redmine').length);
    for (const log of [...logs('Support'), ...logs('Redmine')]) {
      const admin = log.type_name === 'Support' ? SUPPORT_ADMIN : REDMINE_ADMIN;
      const tag = `[${log.type_name} #${log.ticket_id}-${log.log_id}]`;
      expect({ tag, count: to(admin).filter((mail) => mail.parsed.subject?.startsWith(tag)).length }).toEqual(
        {
          tag,
          count: 1,
        },
      );
    }
  });

  it('records a successful fetch on the mailbox', async () => {
    const [mailbox] = await scenario.query<{
      kind: string;
      last_success_at: Date | null;
      consecutive_failures: number;
      last_error: string | null;
    }>('select kind, last_success_at, consecutive_failures, last_error from mailbox where id = $1', [
      scenario.mailboxId,
    ]);
    expect(mailbox).toMatchObject({ kind: 'POP3', consecutive_failures: 0, last_error: null });
    expect(mailbox.last_success_at).toBeInstanceOf(Date);
  });

  it('answers "test connection" for the POP3 mailbox through the gateway', async () => {
    const response = await fetch(
      `${scenario.system.gatewayUrl}/api/mailboxes/${scenario.mailboxId}/test-connection`,
      { method: 'POST' },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      ok: true,
      protocol: 'pop3',
      summary: `Logged in as ${SUPPORT_ADDRESS}; the maildrop holds 0 message(s), 0 bytes`,
    });
  });

  it('never wrote the mailbox password into a service log', () => {
    const logs = readdirSync(scenario.logDir).map((file) =>
      readFileSync(join(scenario.logDir, file), 'utf8'),
    );
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).toContain('mailbox fetched'); // the fetch did log
    for (const log of logs) expect(log).not.toContain(MAILBOX_PASSWORD);
  });

  it('never put the mailbox password into Redis (job data, results, events)', async () => {
    const redis = new Redis(testRedisUrl());
    try {
      const keys = await redis.keys(`${scenario.queuePrefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      let values = '';
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'hash') values += JSON.stringify(await redis.hgetall(key));
        else if (type === 'string') values += (await redis.get(key)) ?? '';
        else if (type === 'list') values += JSON.stringify(await redis.lrange(key, 0, -1));
        else if (type === 'stream') values += JSON.stringify(await redis.xrange(key, '-', '+'));
      }
      expect(values).toContain('inboundMessageId');
      expect(values).not.toContain(MAILBOX_PASSWORD);
    } finally {
      redis.disconnect();
    }
  });
});
