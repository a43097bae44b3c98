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
  /** sha256 of the bytes as an IMAP server hands them back (bare LF stored and returned as CRLF). */
  sha256AsServed: string;
  expectation: MailExpectation;
  kind: 'normal' | 'invalid' | 'error';
  types: Array<'Support' | 'Redmine'>;
}

function asServedByImap(raw: Buffer): Buffer {
  return Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}

function recipientsOf(expectation: MailExpectation): string[] {
  const envelope = expectation.envelope_recipients.map((line) => line.slice(line.indexOf(':') + 1).trim());
  return [...expectation.to_cc_addresses, ...envelope].map((address) => address.toLowerCase());
}

export function sampleOutcomes(files: string[], maxMessageBytes: number): SampleOutcome[] {
  const byFile = new Map(mailExpectations().map((record) => [record.file, record]));
  return files.map((file) => {
    const expectation = byFile.get(file);
    if (!expectation) throw new Error(`no expectation for ${file}`);
    const raw = readMailFixture(file);
    const recipients = recipientsOf(expectation);
    const types: Array<'Support' | 'Redmine'> = [];
    if (recipients.includes(SUPPORT_ADDRESS)) types.push('Support');
    if (recipients.includes(REDMINE_ADDRESS)) types.push('Redmine');
    const kind = raw.length > maxMessageBytes ? 'error' : types.length > 0 ? 'normal' : 'invalid';
    return {
      file,
      raw,
      sha256AsServed: createHash('sha256').update(asServedByImap(raw)).digest('hex'),
      expectation,
      kind,
      types: kind === 'normal' ? types : [],
    };
  });
}
