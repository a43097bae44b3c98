import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { fixturesDir, readMailFixture } from '@twe/testing';

/** One record of fixtures/mail/expected.json, with every field the corpus test compares. */
export interface CorpusRecord {
  file: string;
  category: string;
  from_address: string | null;
  subject: string | null;
  message_id: string | null;
  in_reply_to: string | null;
  is_auto_reply: boolean;
  suppress_auto_response: boolean;
  is_bounce: boolean;
  to_cc_addresses: string[];
  envelope_recipients: string[];
  attachment_count: number;
  attachment_filenames: Array<string | null>;
  tnef_embedded_files?: Array<string | null> | null;
  body_contains: string | null;
  ticket_tag: { ticket_id: string; log_id: string } | null;
  size_bytes: number;
}

export const LARGE_SAMPLE = 'syn-15-large-30mb.eml';

export function corpusRecords(): CorpusRecord[] {
  const document = JSON.parse(readFileSync(join(fixturesDir(), 'mail', 'expected.json'), 'utf8')) as {
    messages: CorpusRecord[];
  };
  return document.messages;
}

/**
 * The raw bytes of every sample. The 30 MiB sample is not committed: fixtures/mail/make-large.mjs
 * writes it (deterministically) into a temporary folder, which is removed again.
 */
export function loadCorpus(): Map<string, Buffer> {
  const samples = new Map<string, Buffer>();
  for (const record of corpusRecords()) {
    const committed = join(fixturesDir(), 'mail', 'eml', record.file);
    if (existsSync(committed)) samples.set(record.file, readMailFixture(record.file));
  }
  if (!samples.has(LARGE_SAMPLE)) {
    const dir = mkdtempSync(join(tmpdir(), 'twe-corpus-'));
    try {
      execFileSync(process.execPath, [join(fixturesDir(), 'mail', 'make-large.mjs'), dir]);
      samples.set(LARGE_SAMPLE, readFileSync(join(dir, LARGE_SAMPLE)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return samples;
}

/** Subjects compare with white space runs collapsed (README: unfolding keeps white space). */
export function collapse(value: string | null): string | null {
  return value === null ? null : value.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** Message-IDs compare without the angle brackets (mailparser adds them when missing). */
export function bareId(value: string | null): string | null {
  return value === null ? null : value.replace(/^<|>$/g, '');
}

/** Body phrases compare with white space runs collapsed (line wrapping, HTML layout). */
export function containsPhrase(text: string | null, phrase: string): boolean {
  const flat = (value: string): string => value.normalize('NFC').replace(/\s+/g, ' ');
  return flat(text ?? '').includes(flat(phrase));
}
