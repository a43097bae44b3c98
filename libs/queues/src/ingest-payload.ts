import { createHash } from 'node:crypto';

import { z } from 'zod';

/**
 * The `tickets.ingest` contract: how another system hands the engine a message. Unlike every other
 * job, this one carries the mail itself (an external system cannot write our database); the consumer's
 * first act is to store it as an `inbound_message` row, after which only ids travel
 * (docs/decisions/0035-ingest-jobs-carry-the-message-once.md).
 */

/** The largest message accepted, decoded: the same default as FETCH_MAX_MESSAGE_BYTES (25 MiB). */
export const INGEST_MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
export const INGEST_MAX_ATTACHMENTS = 100;
export const INGEST_MAX_RECIPIENTS = 100;

/** Base64 characters needed for `bytes` bytes (with padding, no line breaks). */
function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** Decoded size of a valid base64 string, without decoding it. */
export function decodedBase64Bytes(value: string): number {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return (value.length / 4) * 3 - padding;
}

const TOO_LARGE = `Must be at most ${INGEST_MAX_MESSAGE_BYTES} bytes once decoded`;

/** Base64 content of at most INGEST_MAX_MESSAGE_BYTES decoded bytes (the length bound is for JSON Schema). */
function base64Content() {
  return (
    z
      .base64({
        error: (issue) =>
          issue.code === 'invalid_format' ? 'Must be base64 (RFC 4648, no line breaks)' : undefined,
      })
      .max(base64Length(INGEST_MAX_MESSAGE_BYTES), TOO_LARGE)
      .refine((value) => decodedBase64Bytes(value) <= INGEST_MAX_MESSAGE_BYTES, TOO_LARGE)
      // For JSON Schema only: zod's own base64 pattern, run by a generic validator on a 30 MB string,
      // overflows the regex stack (seen with z.fromJSONSchema); a plain character class cannot.
      .meta({ pattern: '^[A-Za-z0-9+/]*={0,2}$' })
  );
}

const NO_LINE_BREAK = /^[^\r\n]*$/u;

/** Header values: a line break would let a caller write headers of their own (header injection). */
function headerText(max: number) {
  return z.string().max(max).regex(NO_LINE_BREAK, 'Must be a single line (no line breaks)');
}

const emailAddress = z
  .string()
  .trim()
  .max(320)
  .regex(/^[^\s@<>,;"]+@[^\s@<>,;"]+$/u, 'Must be an email address like name@example.com')
  .meta({ example: 'support@helpdesk.example.com' });

const messageIdText = z
  .string()
  .trim()
  .max(998)
  .regex(/^<[^\s<>]+@[^\s<>]+>$/u, 'Must be a Message-ID like <id@host.example>')
  .meta({ example: '<4711@crm.example.com>' });

const source = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._-]+$/u, 'Must use only letters, digits, ".", "_" and "-"')
  .meta({ description: 'Which system sent it, for the audit trail (stored on the row).', example: 'crm' });

const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/u, 'Must be printable ASCII without spaces')
  .meta({
    description:
      'The same key from the same source is ingested once. Without it the content (its SHA-256) is the key.',
    example: 'crm-case-4711-comment-2',
  });

export const ingestRawPayload = z.strictObject({
  kind: z.literal('raw'),
  source,
  idempotencyKey: idempotencyKey.optional(),
  rawBase64: base64Content()
    .min(1, 'Must not be empty')
    .meta({ description: 'The RFC 5322 message (as a mailbox would hold it), base64 encoded.' }),
});

export const ingestAttachment = z.strictObject({
  filename: headerText(255).min(1, 'Must not be empty').meta({ example: 'invoice.pdf' }),
  contentType: z
    .string()
    .max(255)
    .regex(/^[\w.+-]+\/[\w.+-]+$/u, 'Must be a MIME type like application/pdf')
    .meta({ example: 'application/pdf' }),
  contentBase64: base64Content(),
});

export const ingestStructuredPayload = z
  .strictObject({
    kind: z.literal('structured'),
    source,
    idempotencyKey: idempotencyKey.optional(),
    from: z.strictObject({ address: emailAddress, name: headerText(300).optional() }),
    to: z.array(emailAddress).min(1).max(INGEST_MAX_RECIPIENTS),
    cc: z.array(emailAddress).max(INGEST_MAX_RECIPIENTS).optional(),
    subject: headerText(998),
    text: z.string().max(INGEST_MAX_MESSAGE_BYTES).optional(),
    html: z.string().max(INGEST_MAX_MESSAGE_BYTES).optional(),
    /** Lets a caller thread later messages (In-Reply-To) onto the ticket this one starts. */
    messageId: messageIdText.optional(),
    inReplyTo: messageIdText.optional(),
    references: z.array(messageIdText).max(100).optional(),
    /** When the message was written; the time of ingest when absent. */
    date: z.iso.datetime({ offset: true }).optional(),
    attachments: z.array(ingestAttachment).max(INGEST_MAX_ATTACHMENTS).optional(),
  })
  .superRefine((payload, context) => {
    // The message as a whole obeys the same limit as a raw one (UTF-16 length is close enough for text).
    const bytes =
      (payload.text?.length ?? 0) +
      (payload.html?.length ?? 0) +
      (payload.attachments ?? []).reduce((sum, file) => sum + decodedBase64Bytes(file.contentBase64), 0);
    if (bytes > INGEST_MAX_MESSAGE_BYTES) {
      context.addIssue({
        code: 'custom',
        path: ['attachments'],
        message: `Text, HTML and attachments together must be at most ${INGEST_MAX_MESSAGE_BYTES} bytes`,
      });
    }
  });

/** `tickets.ingest` job data (and the JSON body of `POST /api/ingest`). */
export const ticketsIngestPayload = z.discriminatedUnion('kind', [ingestRawPayload, ingestStructuredPayload]);

export type IngestRawPayload = z.output<typeof ingestRawPayload>;
export type IngestStructuredPayload = z.output<typeof ingestStructuredPayload>;
export type IngestAttachment = z.output<typeof ingestAttachment>;

/**
 * The same contract as JSON Schema (draft 2020-12), for producers that do not use zod or
 * TypeScript. A copy is kept in `libs/queues/schemas/` (a test keeps it in step).
 */
export function ticketsIngestJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://ticket-workflow-engine.local/schemas/tickets-ingest-payload.schema.json',
    title: 'tickets.ingest job payload',
    ...z.toJSONSchema(ticketsIngestPayload, { target: 'draft-2020-12', io: 'input' }),
  };
}

/**
 * The natural key of an ingested message within its source: the caller's idempotency key, else the
 * SHA-256 of the content (for `structured`: of its fields, since the MIME text we build from them
 * differs on every build by its boundaries, Date and Message-ID). Stored as `inbound_message.remote_id`.
 */
export function ingestRemoteId(payload: z.output<typeof ticketsIngestPayload>): string {
  if (payload.idempotencyKey !== undefined) return `ingest:key:${payload.idempotencyKey}`;
  const hash = createHash('sha256');
  if (payload.kind === 'raw') {
    hash.update(Buffer.from(payload.rawBase64, 'base64'));
  } else {
    // Without the key, in a fixed key order: the same fields hash the same however they were written.
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- removed from the hash on purpose
    const { idempotencyKey: _key, ...fields } = payload;
    hash.update(stableJson(fields));
  }
  return `ingest:sha256:${hash.digest('hex')}`;
}

/**
 * Deterministic BullMQ job id: the first layer of dedupe (the database's unique (source, remote_id)
 * is the second). Hashed because keys may hold ':' (forbidden in BullMQ ids) and any length.
 * Rule for other producers: `ingest-` + hex SHA-256 of `<source>\n<remote id>`.
 */
export function ingestJobId(payload: z.output<typeof ticketsIngestPayload>): string {
  const digest = createHash('sha256')
    .update(`${payload.source}\n${ingestRemoteId(payload)}`)
    .digest('hex');
  return `ingest-${digest}`;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
