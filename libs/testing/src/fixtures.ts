import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** One record of fixtures/mail/expected.json (the fields tests use; see fixtures/mail/README.md). */
export interface MailExpectation {
  file: string;
  category: string;
  from_address: string | null;
  subject: string | null;
  message_id: string | null;
  in_reply_to: string | null;
  to_cc_addresses: string[];
  envelope_recipients: string[];
  attachment_count: number;
  attachment_filenames: Array<string | null>;
  ticket_tag: TicketTagExpectation | null;
  is_auto_reply: boolean;
  is_bounce: boolean;
  size_bytes: number;
  sha256: string;
}

export interface TicketTagExpectation {
  ticket_id: string;
  log_id: string;
  form: 'canonical' | 'mangled';
  matches_known_ticket: boolean;
}

/** `<repo>/fixtures`; this file sits in libs/testing/src or libs/testing/dist, both three levels down. */
export function fixturesDir(): string {
  const dir = resolve(__dirname, '..', '..', '..', 'fixtures');
  if (!existsSync(join(dir, 'mail'))) throw new Error(`fixtures not found at ${dir}`);
  return dir;
}

/** Raw bytes of fixtures/mail/eml/<name>. */
export function readMailFixture(name: string): Buffer {
  return readFileSync(join(fixturesDir(), 'mail', 'eml', name));
}

export function mailExpectations(): MailExpectation[] {
  const document = JSON.parse(readFileSync(join(fixturesDir(), 'mail', 'expected.json'), 'utf8')) as {
    messages: MailExpectation[];
  };
  return document.messages;
}
