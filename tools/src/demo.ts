import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fixturesDir, mailExpectations, readMailFixture, startPipelineScenario } from '@twe/testing';

/**
 * `npm run demo`: the main job on sample mail. Real Dovecot, PostgreSQL, Redis, an SMTP sink and
 * the five services as separate processes; a mailbox and two ticket types configured through the
 * gateway API; real sample mail delivered into the mailbox; then the tickets and notifications.
 */
const SKIPPED = new Set([
  'syn-13-zero-byte-file.eml', // IMAP cannot APPEND an empty message
]);

function cell(value: unknown, width: number): string {
  const text = value === null || value === undefined ? '-' : String(value).replace(/\s+/g, ' ');
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

export async function runDemo(args: string[]): Promise<void> {
  const keepRunning = args.includes('--keep');
  const started = Date.now();
  const files = mailExpectations()
    .map((record) => record.file)
    .filter((file) => !SKIPPED.has(file) && file !== 'syn-15-large-30mb.eml');
  const messages = files.map((file) => readMailFixture(file));

  // The 30 MiB sample is generated (deterministically) rather than committed.
  const largeDir = mkdtempSync(join(tmpdir(), 'twe-demo-large-'));
  execFileSync(process.execPath, [join(fixturesDir(), 'mail', 'make-large.mjs'), largeDir]);
  messages.push(readFileSync(join(largeDir, 'syn-15-large-30mb.eml')));
  files.push('syn-15-large-30mb.eml (generated)');
  rmSync(largeDir, { recursive: true, force: true });

  console.log('Starting PostgreSQL database, Dovecot, SMTP sink and the five services ...');
  const scenario = await startPipelineScenario();
  const stop = async (): Promise<void> => {
    await scenario.stop();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    console.log(`Gateway: ${scenario.system.gatewayUrl} (OpenAPI at ${scenario.system.gatewayUrl}/docs)`);
    console.log(
      `Mailbox ${scenario.mailboxId} (IMAP, STARTTLS) and ticket types Support + Redmine created through the API.`,
    );
    console.log(`Delivering ${messages.length} sample messages into the Dovecot mailbox ...`);
    await scenario.appendMessages(messages);
    await scenario.fetchNow();
    await scenario.waitUntilSettled(messages.length, 300_000);

    const tickets = await scenario.query<{
      id: number;
      kind: string;
      type: string | null;
      status: string;
      contact: string | null;
      subject: string;
      logs: string;
      attachments: string;
    }>(
      `select t.id, t.kind, tt.name as type, t.status, c.email as contact, t.subject,
              (select count(*) from ticket_log l where l.ticket_id = t.id) as logs,
              (select count(*) from attachment a join ticket_log l on l.id = a.ticket_log_id where l.ticket_id = t.id) as attachments
         from ticket t left join ticket_type tt on tt.id = t.type_id left join contact c on c.id = t.contact_id
        order by t.id`,
    );
    console.log(`\nTickets created: ${tickets.length}`);
    console.log(
      `${cell('id', 5)} ${cell('kind', 8)} ${cell('type', 8)} ${cell('status', 6)} ${cell('contact', 34)} ${cell('att', 4)} subject`,
    );
    for (const t of tickets) {
      console.log(
        `${cell(t.id, 5)} ${cell(t.kind, 8)} ${cell(t.type, 8)} ${cell(t.status, 6)} ${cell(t.contact, 34)} ${cell(t.attachments, 4)} ${cell(t.subject, 60)}`,
      );
    }
    const errors = await scenario.query<{ id: number; error_reason: string }>(
      `select id, error_reason from ticket where kind = 'error' order by id`,
    );
    for (const e of errors) console.log(`error ticket ${e.id}: ${e.error_reason}`);

    console.log(`\nNotifications received by the SMTP sink: ${scenario.sink.messages.length}`);
    console.log(`${cell('to', 30)} ${cell('att', 4)} subject`);
    for (const mail of scenario.sink.messages) {
      console.log(
        `${cell(mail.envelopeTo.join(','), 30)} ${cell(mail.parsed.attachments.length, 4)} ${cell(mail.parsed.subject, 80)}`,
      );
    }
    const byKind = (kind: string) => tickets.filter((t) => t.kind === kind).length;
    const duplicates = await scenario.query<{ error: string }>(
      `select error from inbound_message where error like 'Duplicate delivery%' order by id`,
    );
    for (const d of duplicates) console.log(`duplicate: ${d.error}`);
    console.log(
      `\nSummary: ${messages.length} messages -> ${tickets.length} tickets (${byKind('normal')} normal, ` +
        `${byKind('invalid')} invalid, ${byKind('error')} error; ${duplicates.length} duplicate deliveries), ` +
        `${scenario.sink.messages.length} notifications, ` +
        `mailbox now holds ${await scenario.inboxCount()} messages; ${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
    if (keepRunning) {
      console.log(`\nStill running (--keep). Service logs: ${scenario.logDir}. Press Ctrl+C to stop.`);
      await new Promise(() => undefined);
    }
  } finally {
    if (!keepRunning) await stop();
  }
}
