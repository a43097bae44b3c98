import { inspectMessage, type MessageInspection } from '@twe/mail';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  bareId,
  collapse,
  containsPhrase,
  corpusRecords,
  loadCorpus,
  type CorpusRecord,
} from './corpus-records';

/**
 * Samples where the engine's value differs from the corpus, each with the reason and the value the
 * engine gives instead (asserted, so a change in either direction is noticed). Empty: every field
 * of every public sample holds.
 */
const KNOWN_EXCEPTIONS: Record<
  string,
  { field: keyof MessageInspection | 'body_contains'; reason: string; actual: unknown }
> = {};

let corpus: Map<string, Buffer>;

beforeAll(() => {
  corpus = loadCorpus();
});

/** The corpus record's fields, as the engine's inspection must reproduce them. */
function expectedView(record: CorpusRecord) {
  return {
    from_address: record.from_address?.toLowerCase() ?? null,
    subject: collapse(record.subject),
    message_id: bareId(record.message_id),
    in_reply_to: bareId(record.in_reply_to),
    is_auto_reply: record.is_auto_reply,
    suppress_auto_response: record.suppress_auto_response,
    is_bounce: record.is_bounce,
    to_cc_addresses: record.to_cc_addresses.map((address) => address.normalize('NFC').toLowerCase()),
    envelope_recipients: record.envelope_recipients,
    attachment_count: record.attachment_count,
    attachment_filenames: record.attachment_filenames.map((name) => name?.normalize('NFC') ?? null),
    tnef_embedded_files: record.tnef_embedded_files ?? [],
    ticket_tag:
      record.ticket_tag === null
        ? null
        : { ticket_id: record.ticket_tag.ticket_id, log_id: record.ticket_tag.log_id },
  };
}

function engineView(inspection: MessageInspection) {
  return {
    from_address: inspection.from_address?.normalize('NFC').toLowerCase() ?? null,
    subject: collapse(inspection.subject),
    message_id: bareId(inspection.message_id),
    in_reply_to: bareId(inspection.in_reply_to),
    is_auto_reply: inspection.is_auto_reply,
    suppress_auto_response: inspection.suppress_auto_response,
    is_bounce: inspection.is_bounce,
    to_cc_addresses: inspection.to_cc_addresses.map((address) => address.normalize('NFC').toLowerCase()),
    envelope_recipients: inspection.envelope_recipients,
    attachment_count: inspection.attachment_count,
    attachment_filenames: inspection.attachment_filenames.map((name) => name?.normalize('NFC') ?? null),
    tnef_embedded_files: inspection.tnef_embedded_files,
    ticket_tag: inspection.ticket_tag,
  };
}

describe("mail corpus (fixtures/mail/expected.json) through inspectMessage, the processor's parser", () => {
  const records = corpusRecords();

  it('covers all 85 public samples', () => {
    expect(records).toHaveLength(85);
    expect([...corpus.keys()].sort()).toEqual(records.map((record) => record.file).sort());
  });

  it.each(records.map((record) => [record.file, record] as const))(
    '%s: every expected field holds',
    async (file, record) => {
      const inspection = await inspectMessage(corpus.get(file) ?? Buffer.alloc(0));
      const exception = KNOWN_EXCEPTIONS[file];
      const expected = expectedView(record);
      if (exception !== undefined && exception.field !== 'body_contains') {
        (expected as Record<string, unknown>)[exception.field] = exception.actual;
      }
      expect(engineView(inspection)).toEqual(expected);
      if (record.size_bytes === 0) expect(inspection.error).toBe('Message is empty (0 bytes)');
      else expect(inspection.error).toBeUndefined();
      if (record.body_contains !== null) {
        expect(
          containsPhrase(inspection.text, record.body_contains),
          `text contains ${JSON.stringify(record.body_contains)}`,
        ).toBe(true);
      }
    },
  );
});
