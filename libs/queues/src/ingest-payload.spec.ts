import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { z } from 'zod';
import { describe, expect, it } from 'vitest';

import {
  INGEST_MAX_MESSAGE_BYTES,
  ingestJobId,
  ingestRemoteId,
  ticketsIngestJsonSchema,
  ticketsIngestPayload,
} from './ingest-payload';

const SCHEMA_FILE = resolve(__dirname, '../schemas/tickets-ingest-payload.schema.json');
const b64 = (text: string) => Buffer.from(text).toString('base64');

const rawPayload = { kind: 'raw', source: 'crm', rawBase64: b64('Subject: hi\r\n\r\nbody\r\n') };
const structuredPayload = {
  kind: 'structured',
  source: 'crm',
  idempotencyKey: 'case-4711',
  from: { address: 'jane@customer.example', name: 'Jane Doe' },
  to: ['support@helpdesk.example.com'],
  subject: 'Printer on fire',
  text: 'It is on fire.',
  attachments: [{ filename: 'photo.png', contentType: 'image/png', contentBase64: b64('png') }],
};

/** [situation, payload, path of the first issue, a phrase of its message] */
const invalidCases: Array<[string, unknown, string, string]> = [
  ['no kind at all', { source: 'crm', rawBase64: b64('x') }, 'kind', "Expected 'raw' | 'structured'"],
  ['an unknown kind', { ...rawPayload, kind: 'fax' }, 'kind', "Expected 'raw' | 'structured'"],
  ['raw without a message', { kind: 'raw', source: 'crm' }, 'rawBase64', 'expected string'],
  ['raw with an empty message', { ...rawPayload, rawBase64: '' }, 'rawBase64', 'Must not be empty'],
  ['raw that is not base64', { ...rawPayload, rawBase64: 'not base64!' }, 'rawBase64', 'Must be base64'],
  [
    'raw over 25 MiB once decoded',
    { ...rawPayload, rawBase64: 'QUJD'.repeat(INGEST_MAX_MESSAGE_BYTES / 3 + 2) },
    'rawBase64',
    `at most ${INGEST_MAX_MESSAGE_BYTES} bytes`,
  ],
  [
    'raw one byte over 25 MiB (within the base64 length bound)',
    { ...rawPayload, rawBase64: Buffer.alloc(INGEST_MAX_MESSAGE_BYTES + 1).toString('base64') },
    'rawBase64',
    `at most ${INGEST_MAX_MESSAGE_BYTES} bytes`,
  ],
  ['a missing source', { kind: 'raw', rawBase64: b64('x') }, 'source', 'expected string'],
  ['a source with spaces', { ...rawPayload, source: 'my crm' }, 'source', 'Must use only letters'],
  ['an idempotency key with spaces', { ...rawPayload, idempotencyKey: 'a b' }, 'idempotencyKey', 'printable'],
  ['an unknown field (a typo)', { ...rawPayload, rawbase64: 'x' }, '', 'Unrecognized key'],
  ['structured without recipients', { ...structuredPayload, to: [] }, 'to', '>=1'],
  ['a recipient that is no address', { ...structuredPayload, to: ['support'] }, 'to.0', 'email address'],
  [
    'a sender without an address',
    { ...structuredPayload, from: { name: 'Jane' } },
    'from.address',
    'expected string',
  ],
  [
    'a subject with a line break (header injection)',
    { ...structuredPayload, subject: 'Hi\r\nBcc: all@example.com' },
    'subject',
    'single line',
  ],
  ['a Message-ID without brackets', { ...structuredPayload, messageId: 'abc@x' }, 'messageId', 'Message-ID'],
  ['a date that is not ISO 8601', { ...structuredPayload, date: 'yesterday' }, 'date', 'datetime'],
  [
    'an attachment without a filename',
    { ...structuredPayload, attachments: [{ contentType: 'text/plain', contentBase64: b64('x') }] },
    'attachments.0.filename',
    'expected string',
  ],
  [
    'an attachment with a bad content type',
    { ...structuredPayload, attachments: [{ filename: 'a', contentType: 'pdf', contentBase64: b64('x') }] },
    'attachments.0.contentType',
    'MIME type',
  ],
  [
    'attachments over 25 MiB together',
    {
      ...structuredPayload,
      attachments: [0, 1].map((n) => ({
        filename: `part${n}.bin`,
        contentType: 'application/octet-stream',
        contentBase64: 'QUJD'.repeat(INGEST_MAX_MESSAGE_BYTES / 6 + 10),
      })),
    },
    'attachments',
    'together must be at most',
  ],
];

describe('tickets.ingest payload', () => {
  it.each([
    ['a raw message', rawPayload],
    ['a structured message with an attachment', structuredPayload],
    [
      'a structured message with only html, cc and threading headers',
      {
        kind: 'structured',
        source: 'shop.orders',
        from: { address: 'orders@shop.example' },
        to: ['sales@helpdesk.example.com'],
        cc: ['boss@shop.example'],
        subject: '',
        html: '<p>Order 7</p>',
        messageId: '<order-7@shop.example>',
        inReplyTo: '<order-6@shop.example>',
        references: ['<order-5@shop.example>', '<order-6@shop.example>'],
        date: '2026-12-04T06:00:00+01:00',
      },
    ],
  ])('accepts %s', (_situation, payload) => {
    expect(ticketsIngestPayload.parse(payload)).toEqual(payload);
  });

  it.each(invalidCases)('rejects %s', (_situation, payload, path, phrase) => {
    const result = ticketsIngestPayload.safeParse(payload);
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path.join('.')).toBe(path);
    expect(issue?.message).toContain(phrase);
  });

  it('gives the same job id and remote id for the same key, whatever the content', () => {
    const first = ticketsIngestPayload.parse(structuredPayload);
    const second = ticketsIngestPayload.parse({ ...structuredPayload, subject: 'Edited later' });
    expect(ingestRemoteId(first)).toBe('ingest:key:case-4711');
    expect(ingestJobId(first)).toBe(ingestJobId(second));
    expect(ingestJobId(first)).toMatch(/^ingest-[0-9a-f]{64}$/);
    // The same key from another source is another message.
    expect(ingestJobId(ticketsIngestPayload.parse({ ...structuredPayload, source: 'erp' }))).not.toBe(
      ingestJobId(first),
    );
  });

  it('keys a message without an idempotency key by its content (field order does not matter)', () => {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the same message without a key
    const { idempotencyKey: _key, ...withoutKey } = structuredPayload;
    const reordered = Object.fromEntries(Object.entries(withoutKey).reverse());
    const a = ticketsIngestPayload.parse(withoutKey);
    const b = ticketsIngestPayload.parse(reordered);
    expect(ingestRemoteId(a)).toMatch(/^ingest:sha256:[0-9a-f]{64}$/);
    expect(ingestRemoteId(a)).toBe(ingestRemoteId(b));
    expect(ingestRemoteId(ticketsIngestPayload.parse({ ...withoutKey, text: 'other' }))).not.toBe(
      ingestRemoteId(a),
    );
    const raw = ticketsIngestPayload.parse(rawPayload);
    expect(ingestRemoteId(raw)).toBe(
      `ingest:sha256:${createHash('sha256').update('Subject: hi\r\n\r\nbody\r\n').digest('hex')}`,
    );
  });
});

/** Rules that are code (refinements), which JSON Schema cannot express; the consumer still applies them. */
const ZOD_ONLY_RULES = new Set([
  'attachments over 25 MiB together',
  'raw one byte over 25 MiB (within the base64 length bound)',
]);

describe('docs/ingest.md', () => {
  const blocks = [
    ...readFileSync(resolve(__dirname, '../../../docs/ingest.md'), 'utf8').matchAll(
      /```json\n([\s\S]*?)```/g,
    ),
  ];

  it.each(blocks.map((block, index) => [index + 1, block[1]] as [number, string]))(
    'example payload %i is valid',
    (_index, json) => {
      expect(ticketsIngestPayload.safeParse(JSON.parse(json)).error).toBeUndefined();
    },
  );

  it('shows both kinds', () => {
    expect(blocks.map((block) => (JSON.parse(block[1]) as { kind: string }).kind)).toEqual([
      'raw',
      'structured',
    ]);
  });
});

describe('tickets.ingest JSON Schema', () => {
  it('is the checked-in schema file (regenerate: UPDATE_SCHEMAS=1 npx vitest run libs/queues, then prettier)', () => {
    const generated = ticketsIngestJsonSchema();
    if (process.env['UPDATE_SCHEMAS'] === '1')
      writeFileSync(SCHEMA_FILE, `${JSON.stringify(generated, null, 2)}\n`);
    expect(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'))).toEqual(generated);
  });

  // What a producer in another language gets from the JSON Schema alone: the same verdicts.
  const fromJson = z.fromJSONSchema(
    JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as z.core.JSONSchema.JSONSchema,
  );

  const verdicts: Array<[string, unknown, boolean]> = [
    ['a raw message', rawPayload, true],
    ['a structured message', structuredPayload, true],
    ...invalidCases
      .filter(([situation]) => !ZOD_ONLY_RULES.has(situation))
      .map(([situation, payload]): [string, unknown, boolean] => [situation, payload, false]),
  ];
  it.each(verdicts)('judges %s as the zod schema does', (_situation, payload, valid) => {
    expect(fromJson.safeParse(payload).success).toBe(valid);
  });
});
