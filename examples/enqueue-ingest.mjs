#!/usr/bin/env node
// Hands a message to the Ticket Workflow Engine from another Node program: one job on the
// `tickets.ingest` queue. Needs only `bullmq`, `ioredis` and `zod` (npm i bullmq ioredis zod) and the
// JSON Schema file of the contract (libs/queues/schemas/tickets-ingest-payload.schema.json).
//
//   node examples/enqueue-ingest.mjs raw message.eml --source crm [--key case-4711]
//   node examples/enqueue-ingest.mjs structured --source crm --from jane@customer.example \
//     --from-name "Jane Doe" --to support@helpdesk.example.com --subject "Printer on fire" \
//     --text "It is on fire." [--html "<p>..</p>"] [--cc x@y] [--attach photo.png] [--key case-4711]
//
// Environment: REDIS_URL (default redis://127.0.0.1:6379) and QUEUE_PREFIX (default twe) — the same
// values the engine runs with. Prints {"queue","jobId"} as JSON; exits 1 with the reasons when the
// message does not fit the contract (nothing is enqueued then).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';

const QUEUE = 'tickets.ingest';
const here = dirname(fileURLToPath(import.meta.url));
const schemaFile =
  process.env.INGEST_SCHEMA_FILE ??
  resolve(here, '../libs/queues/schemas/tickets-ingest-payload.schema.json');

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    source: { type: 'string', default: 'example' },
    key: { type: 'string' },
    from: { type: 'string' },
    'from-name': { type: 'string' },
    to: { type: 'string', multiple: true },
    cc: { type: 'string', multiple: true },
    subject: { type: 'string', default: '' },
    text: { type: 'string' },
    html: { type: 'string' },
    'message-id': { type: 'string' },
    attach: { type: 'string', multiple: true },
  },
});

const [kind, file] = positionals;
let payload;
if (kind === 'raw' && file) {
  payload = {
    kind: 'raw',
    source: values.source,
    idempotencyKey: values.key,
    rawBase64: readInput(file).toString('base64'),
  };
} else if (kind === 'structured') {
  payload = {
    kind: 'structured',
    source: values.source,
    idempotencyKey: values.key,
    from: { address: values.from, name: values['from-name'] },
    to: values.to ?? [],
    cc: values.cc,
    subject: values.subject,
    text: values.text,
    html: values.html,
    messageId: values['message-id'],
    attachments: values.attach?.map((path) => ({
      filename: basename(path),
      contentType: contentTypeOf(path),
      contentBase64: readInput(path).toString('base64'),
    })),
  };
} else {
  console.error(
    'usage: enqueue-ingest.mjs raw <file.eml> | structured --from .. --to .. --subject .. [options]',
  );
  process.exit(2);
}
payload = JSON.parse(JSON.stringify(payload)); // drops the options that were not given

// Validate against the published JSON Schema before anything reaches Redis. The engine validates
// again (with a few rules JSON Schema cannot say, such as the 25 MiB total) and fails the job if not.
// The schema is a oneOf on `kind`; checking the one branch gives messages per field.
const { $defs, oneOf } = JSON.parse(readFileSync(schemaFile, 'utf8'));
const branch = oneOf.find((candidate) => candidate.properties.kind.const === payload.kind);
const checked = z.fromJSONSchema({ $defs, ...branch }).safeParse(payload);
if (!checked.success) {
  console.error(`Not a valid tickets.ingest payload:\n${z.prettifyError(checked.error)}`);
  process.exit(1);
}

const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  maxRetriesPerRequest: null,
});
const queue = new Queue(QUEUE, { connection, prefix: process.env.QUEUE_PREFIX ?? 'twe' });
try {
  const jobId = ingestJobId(payload);
  // The engine's own policy for this queue (libs/queues job-options.ts): retries for a database
  // outage; finished jobs go soon (they carry the whole message); failed ones stay for inspection.
  await queue.add('ingest', payload, {
    jobId,
    attempts: 8,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: { age: 3_600, count: 100 },
    removeOnFail: false,
  });
  console.log(JSON.stringify({ queue: QUEUE, jobId }));
} finally {
  await queue.close();
  connection.disconnect();
}

/**
 * The engine's job id rule: `ingest-` + hex SHA-256 of `<source>\n<remote id>`, where the remote id is
 * `ingest:key:<idempotencyKey>`, else `ingest:sha256:<hex>` of the raw bytes or of the structured
 * fields (without the key) as JSON with sorted keys. The same message then adds no second job while
 * the first is in Redis; the engine's database dedupes on the remote id in any case.
 */
function ingestJobId(message) {
  const remoteId = message.idempotencyKey
    ? `ingest:key:${message.idempotencyKey}`
    : `ingest:sha256:${sha256(message.kind === 'raw' ? Buffer.from(message.rawBase64, 'base64') : stableJson({ ...message, idempotencyKey: undefined }))}`;
  return `ingest-${sha256(`${message.source}\n${remoteId}`)}`;
}

/** A file the user named; a clear message instead of a stack trace when it cannot be read. */
function readInput(path) {
  try {
    return readFileSync(path);
  } catch (error) {
    console.error(`cannot read ${path}: ${error.message}`);
    process.exit(1);
  }
}

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

function stableJson(value) {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function contentTypeOf(path) {
  const types = {
    pdf: 'application/pdf',
    png: 'image/png',
    jpg: 'image/jpeg',
    txt: 'text/plain',
    csv: 'text/csv',
  };
  return types[path.split('.').pop()?.toLowerCase()] ?? 'application/octet-stream';
}
