import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fixturesDir, mailExpectations, repoRoot } from '@twe/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The built CLI, as operators run it (`npm test` builds first; locally: npx nx run @twe/tools:build).
const cli = join(repoRoot(), 'tools', 'bin', 'twe.js');
let scratch: string;

beforeAll(() => {
  if (!existsSync(join(repoRoot(), 'tools', 'dist', 'twe.js'))) {
    throw new Error('tools/dist/twe.js is missing: build first (npx nx run @twe/tools:build)');
  }
  scratch = mkdtempSync(join(tmpdir(), 'twe-inspect-'));
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Runs `twe inspect <path>`; execFileSync throws on a non-zero exit, so returning means exit 0. */
function inspect(path: string): Record<string, unknown> {
  const stdout = execFileSync(process.execPath, [cli, 'inspect', path], { encoding: 'utf8' });
  return JSON.parse(stdout) as Record<string, unknown>;
}

const fixture = (file: string): string => join(fixturesDir(), 'mail', 'eml', file);
const expected = (file: string) => {
  const record = mailExpectations().find((candidate) => candidate.file === file);
  if (record === undefined) throw new Error(`no record for ${file}`);
  return record;
};

describe('twe inspect (built CLI)', () => {
  it.each([
    ['a UTF-7 subject and body mailparser cannot decode', 'mmp-m0006.eml'],
    ['a tagged reply behind AW: AW:', 'syn-02-aw-aw-tag.eml'],
    ['an out-of-office reply carrying our tag', 'syn-17-oof-with-tag.eml'],
    ['a delivery status notification from a null sender', 'syn-18-null-sender-bounce.eml'],
    ['a BCC delivery seen only in Delivered-To', 'syn-10-bcc-only.eml'],
    ['an RFC 2231 file name with an undecodable byte', 'imaptools-attachment_with_encoded_name.eml'],
  ])('prints the corpus fields for %s (%s)', (_situation, file) => {
    const record = expected(file);
    const output = inspect(fixture(file));
    expect(Object.keys(output)).toEqual([
      'from_address',
      'subject',
      'message_id',
      'in_reply_to',
      'is_auto_reply',
      'suppress_auto_response',
      'is_bounce',
      'to_cc_addresses',
      'envelope_recipients',
      'attachment_count',
      'attachment_filenames',
      'tnef_embedded_files',
      'text',
      'ticket_tag',
    ]);
    expect(output).toMatchObject({
      from_address: record.from_address,
      message_id: record.message_id,
      is_auto_reply: record.is_auto_reply,
      is_bounce: record.is_bounce,
      to_cc_addresses: record.to_cc_addresses,
      envelope_recipients: record.envelope_recipients,
      attachment_count: record.attachment_count,
      attachment_filenames: record.attachment_filenames,
      ticket_tag:
        record.ticket_tag === null
          ? null
          : { ticket_id: record.ticket_tag.ticket_id, log_id: record.ticket_tag.log_id },
    });
    expect(String(output.subject).replace(/\s+/g, ' ')).toBe(record.subject?.replace(/\s+/g, ' '));
  });

  it('lists the files inside a winmail.dat', () => {
    expect(inspect(fixture('syn-16-tnef-only.eml'))).toMatchObject({
      attachment_filenames: ['winmail.dat'],
      tnef_embedded_files: ['hello.txt'],
    });
  });

  it.each([
    ['a 0-byte file', () => fixture('syn-13-zero-byte-file.eml'), 'Message is empty (0 bytes)'],
    ['a missing file', () => join(scratch, 'missing.eml'), 'cannot read'],
    ['no file argument', () => '', 'usage: twe inspect <file.eml>'],
  ])('exits 0 with an error field for %s', (_situation, path, error) => {
    expect(String(inspect(path()).error)).toContain(error);
  });

  it('exits 0 for binary garbage and reads it as a message without headers', () => {
    const path = join(scratch, 'garbage.bin');
    writeFileSync(path, Buffer.from(Array.from({ length: 4096 }, (_value, index) => (index * 7919) % 256)));
    const output = inspect(path);
    expect(output).toMatchObject({
      from_address: null,
      subject: null,
      message_id: null,
      attachment_count: 0,
    });
  });
});
