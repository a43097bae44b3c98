import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

import {
  readMailFixture,
  repoRoot,
  startPipelineScenario,
  SUPPORT_ADDRESS,
  SUPPORT_ADMIN,
  SUPPORT_FORWARD,
  testRedisUrl,
  type PipelineScenario,
} from '@twe/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 4 item 10 on the built services as separate processes: messages from "other systems" enter
 * through `POST /api/ingest` and through the queue (the example producer), and come out as tickets
 * and real notifications at the SMTP sink, like mail from a mailbox.
 */
const run = promisify(execFile);
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

interface LogRow extends Record<string, unknown> {
  ticket_id: number;
  log_id: number;
  type_name: string | null;
  contact_email: string | null;
  source: string | null;
}

describe('ingest end to end (HTTP and queue -> tickets -> SMTP notifications)', () => {
  let scenario: PipelineScenario;

  beforeAll(async () => {
    scenario = await startPipelineScenario();
  }, 300_000);

  afterAll(async () => {
    await scenario?.stop();
  });

  async function post(path: string, body: string | Buffer, contentType: string): Promise<{ jobId: string }> {
    const response = await fetch(`${scenario.system.gatewayUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
    expect(response.status).toBe(202);
    return (await response.json()) as { jobId: string };
  }

  async function logsFrom(source: string): Promise<LogRow[]> {
    return scenario.query<LogRow>(
      `select t.id as ticket_id, l.id as log_id, tt.name as type_name, c.email as contact_email, m.source
         from ticket_log l
         join ticket t on t.id = l.ticket_id
         join inbound_message m on m.id = l.inbound_message_id
         left join ticket_type tt on tt.id = t.type_id
         left join contact c on c.id = t.contact_id
        where m.source = $1
        order by l.id`,
      [source],
    );
  }

  it('notifies the admin and the forward address of a structured JSON message, with its attachment', async () => {
    await post(
      '/api/ingest',
      JSON.stringify({
        kind: 'structured',
        source: 'shop',
        idempotencyKey: 'order-7-question',
        from: { address: 'jane@customer.example', name: 'Jane Doe' },
        to: [SUPPORT_ADDRESS],
        subject: 'Where is order 7?',
        text: 'It has not arrived.',
        attachments: [
          { filename: 'receipt.png', contentType: 'image/png', contentBase64: png.toString('base64') },
        ],
      }),
      'application/json',
    );
    const mails = await scenario.sink.waitForCount(2, 60_000);
    const [log] = await logsFrom('shop');
    expect(log).toMatchObject({ type_name: 'Support', contact_email: 'jane@customer.example' });
    const tag = `[Support #${log.ticket_id}-${log.log_id}]`;
    expect(mails.map((mail) => [mail.envelopeTo, mail.parsed.subject]).sort()).toEqual(
      [
        [[SUPPORT_ADMIN], `${tag} Where is order 7?`],
        [[SUPPORT_FORWARD], `${tag} Where is order 7?`],
      ].sort(),
    );
    for (const mail of mails) {
      const [file] = mail.parsed.attachments;
      expect(file.filename).toBe('receipt.png');
      expect(createHash('sha256').update(file.content).digest('hex')).toBe(
        createHash('sha256').update(png).digest('hex'),
      );
    }
  });

  it('appends a reply enqueued by the example program (queue door) to the same ticket', async () => {
    const [first] = await logsFrom('shop');
    scenario.sink.clear();
    await run(
      process.execPath,
      [
        resolve(repoRoot(), 'examples/enqueue-ingest.mjs'),
        'structured',
        '--source',
        'shop',
        '--key',
        'order-7-question-reply',
        '--from',
        'jane@customer.example',
        '--to',
        SUPPORT_ADDRESS,
        '--subject',
        `Re: [Support #${first.ticket_id}-${first.log_id}] Where is order 7?`,
        '--text',
        'Still nothing.',
      ],
      { env: { ...process.env, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: scenario.queuePrefix } },
    );
    await scenario.sink.waitForCount(2, 60_000);
    const logs = await logsFrom('shop');
    expect(logs.map((row) => row.ticket_id)).toEqual([first.ticket_id, first.ticket_id]);
  });

  it('turns a raw message/rfc822 body into a ticket like the same mail fetched over IMAP', async () => {
    scenario.sink.clear();
    const raw = readMailFixture('mmp-m0011.eml')
      .toString('latin1')
      .replace(/^To: .*$/m, `To: ${SUPPORT_ADDRESS}`);
    await post('/api/ingest?source=crm', Buffer.from(raw, 'latin1'), 'message/rfc822');
    const [mail] = await scenario.sink.waitForCount(2, 60_000);
    const [log] = await logsFrom('crm');
    expect(log).toMatchObject({ type_name: 'Support', contact_email: 'doug@example.com' });
    expect(mail.parsed.subject).toBe(
      `[Support #${log.ticket_id}-${log.log_id}] Test message from Microsoft Outlook 00`,
    );
    expect(mail.parsed.attachments.map((file) => file.filename)).toEqual([
      'blueball.png',
      'greenball.png',
      'redball.png',
    ]);
  });
});
