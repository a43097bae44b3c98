import { createHash } from 'node:crypto';

import { mailExpectations, readMailFixture, type MailExpectation } from '@twe/testing';
import { REDMINE_ADDRESS, SUPPORT_ADDRESS } from '@twe/testing';

/**
 * What the corpus (values verified by two parsers and by hand, see fixtures/mail/README.md) says
 * each sample must become, given the scenario's two ticket types.
 */
export interface SampleOutcome {
  file: string;
  raw: Buffer;
  /** The bytes as an IMAP server hands them back (see `asServedByImap`). */
  sizeAsServed: number;
  sha256AsServed: string;
  expectation: MailExpectation;
  kind: 'normal' | 'invalid' | 'error';
  types: Array<'Support' | 'Redmine'>;
  /** Whether each of its new logs is notified: auto-replies and bounces are logged, not notified. */
  notified: boolean;
  /** Another sample earlier in the list with the same Message-ID and sender: this one is a duplicate delivery. */
  duplicateOf: string | null;
}

/**
 * Dovecot stores an APPENDed message with CRLF line ends: a bare LF becomes CRLF and a stray CR
 * before a line end (`\r\r\n`, seen in broken mailers' output) is dropped.
 */
function asServedByImap(raw: Buffer): Buffer {
  return Buffer.from(raw.toString('latin1').replace(/\r*\n/g, '\r\n'), 'latin1');
}

function recipientsOf(expectation: MailExpectation): string[] {
  const envelope = expectation.envelope_recipients.map((line) => line.slice(line.indexOf(':') + 1).trim());
  return [...expectation.to_cc_addresses, ...envelope].map((address) => address.toLowerCase());
}

export function sampleOutcomes(files: string[], maxMessageBytes: number): SampleOutcome[] {
  const byFile = new Map(mailExpectations().map((record) => [record.file, record]));
  const firstByIdentity = new Map<string, string>();
  return files.map((file) => {
    const expectation = byFile.get(file);
    if (!expectation) throw new Error(`no expectation for ${file}`);
    const raw = readMailFixture(file);
    const served = asServedByImap(raw);
    const recipients = recipientsOf(expectation);
    const types: Array<'Support' | 'Redmine'> = [];
    if (recipients.includes(SUPPORT_ADDRESS)) types.push('Support');
    if (recipients.includes(REDMINE_ADDRESS)) types.push('Redmine');
    const kind = served.length > maxMessageBytes ? 'error' : types.length > 0 ? 'normal' : 'invalid';

    let duplicateOf: string | null = null;
    if (kind !== 'error' && expectation.message_id && expectation.from_address) {
      const identity = `${expectation.message_id.toLowerCase()} ${expectation.from_address.toLowerCase()}`;
      duplicateOf = firstByIdentity.get(identity) ?? null;
      if (duplicateOf === null) firstByIdentity.set(identity, file);
    }
    return {
      file,
      raw,
      sizeAsServed: served.length,
      sha256AsServed: createHash('sha256').update(served).digest('hex'),
      expectation,
      kind,
      types: kind === 'normal' ? types : [],
      notified: kind === 'normal' && !expectation.is_auto_reply && !expectation.is_bounce,
      duplicateOf,
    };
  });
}

/**
 * The sample as the MTA delivers it into the mailbox of `address`: with a `Delivered-To` header on
 * top (Postfix, qmail and Gmail add one), so it reaches the ticket type of that address even when the
 * To/Cc name another one. Size and hash are those of the new bytes as the server serves them.
 */
export function deliveredTo(sample: SampleOutcome, address: string): SampleOutcome {
  const lineEnd = /^[^\n]*\r\n/.test(sample.raw.toString('latin1')) ? '\r\n' : '\n';
  const raw = Buffer.concat([Buffer.from(`Delivered-To: ${address}${lineEnd}`, 'latin1'), sample.raw]);
  const served = asServedByImap(raw);
  return {
    ...sample,
    raw,
    sizeAsServed: served.length,
    sha256AsServed: createHash('sha256').update(served).digest('hex'),
  };
}
