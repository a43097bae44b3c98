import 'reflect-metadata';

import {
  createQueue,
  enqueueBounceProcess,
  enqueueInboundProcess,
  enqueueOutboundSend,
  enqueueTicketsIngest,
  QueueName,
  redisConnectionOptions,
} from '@twe/queues';
import { type Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startGateway, type GatewayUnderTest } from './gateway-harness';

// The gateway against real Redis. Jobs fail for real: a BullMQ worker in this file stands in for the
// mail-sender / ticket-processor and throws UnrecoverableError (what they do for a permanent failure).
let gateway: GatewayUnderTest;
let outbound: Queue;
let ingest: Queue;
const extras = new Map<QueueName, Queue>();

/** A producer for a queue the tests only now and then use (closed in afterAll). */
function extra(name: QueueName): Queue {
  let queue = extras.get(name);
  if (!queue) {
    queue = createQueue(name, { redisUrl: gateway.redisUrl, prefix: gateway.queuePrefix });
    extras.set(name, queue);
  }
  return queue;
}

function queueOf(name: QueueName): Queue {
  if (name === QueueName.OutboundSend) return outbound;
  if (name === QueueName.TicketsIngest) return ingest;
  return extra(name);
}

const ALL_QUEUES = Object.values(QueueName);
// A message body nobody should ever see through the queue API (and its base64 form).
const SECRET_BODY = 'Subject: hi\r\n\r\npassword=hunter2-very-secret-body\r\n';
const SECRET_BODY_BASE64 = Buffer.from(SECRET_BODY).toString('base64');

beforeAll(async () => {
  gateway = await startGateway();
  const settings = { redisUrl: gateway.redisUrl, prefix: gateway.queuePrefix };
  outbound = createQueue(QueueName.OutboundSend, settings);
  ingest = createQueue(QueueName.TicketsIngest, settings);
});

afterAll(async () => {
  // Queues before the gateway: its close deletes the prefix's keys, which a later close would recreate.
  await outbound?.close();
  await ingest?.close();
  for (const queue of extras.values()) await queue.close();
  await gateway?.close();
});

/** Runs a worker on `queue` that fails every job permanently, until `count` jobs have failed. */
async function failJobs(queue: QueueName, count: number): Promise<void> {
  let failed = 0;
  let done!: () => void;
  const allFailed = new Promise<void>((resolve) => (done = resolve));
  const worker = new Worker(
    queue,
    async (job) => {
      throw new UnrecoverableError(`Row of ${job.id} not found`);
    },
    { connection: redisConnectionOptions(gateway.redisUrl), prefix: gateway.queuePrefix },
  );
  worker.on('failed', () => {
    failed += 1;
    if (failed === count) done();
  });
  try {
    await allFailed;
  } finally {
    await worker.close();
  }
}

async function countsOf(name: QueueName) {
  const response = await gateway.request('GET', '/api/queues');
  expect(response.status).toBe(200);
  return response.body.items.find((item: { name: string }) => item.name === name);
}

describe('queue counts', () => {
  it('lists every queue of QueueName with its counts, zero when nothing ran', async () => {
    const response = await gateway.request('GET', '/api/queues');
    expect(response.status).toBe(200);
    expect(response.body.items.map((item: { name: string }) => item.name)).toEqual(ALL_QUEUES);
    for (const item of response.body.items) {
      expect(item).toEqual({ name: item.name, waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 });
    }
  });
});

describe('a failed outbound email job', () => {
  it('is listed, retried back to waiting with its attempts reset, and a second retry is a 409', async () => {
    await enqueueOutboundSend(outbound, { emailQueueId: 987_654 });
    expect(await countsOf(QueueName.OutboundSend)).toMatchObject({ waiting: 1, failed: 0 });
    await failJobs(QueueName.OutboundSend, 1);
    expect(await countsOf(QueueName.OutboundSend)).toMatchObject({ waiting: 0, active: 0, failed: 1 });

    const list = await gateway.request('GET', '/api/queues/outbound.send/failed');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ queue: 'outbound.send', limit: 20, offset: 0, total: 1 });
    expect(list.body.items).toHaveLength(1);
    const [job] = list.body.items;
    expect(job).toMatchObject({
      id: 'email-987654',
      name: 'send',
      data: { emailQueueId: 987_654 },
      failedReason: 'Row of email-987654 not found',
      attemptsMade: 1,
    });
    expect(Date.parse(job.createdAt)).toBeLessThanOrEqual(Date.parse(job.failedAt));

    const retry = await gateway.request('POST', '/api/queues/outbound.send/failed/email-987654/retry');
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ queue: 'outbound.send', id: 'email-987654', state: 'waiting' });
    const stored = await outbound.getJob('email-987654');
    expect(await stored?.getState()).toBe('waiting');
    expect(stored?.attemptsMade).toBe(0);
    expect(stored?.failedReason ?? null).toBeNull();
    expect(await countsOf(QueueName.OutboundSend)).toMatchObject({ waiting: 1, failed: 0 });
    expect((await gateway.request('GET', '/api/queues/outbound.send/failed')).body).toMatchObject({
      items: [],
      total: 0,
    });

    const again = await gateway.request('POST', '/api/queues/outbound.send/failed/email-987654/retry');
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      statusCode: 409,
      message:
        'Job outbound.send email-987654 is not failed (it is waiting); only failed jobs can be retried',
      state: 'waiting',
    });

    // Clean slate for the next tests of this queue.
    await outbound.obliterate({ force: true });
  });

  it('retry-all moves every failed job of the queue back to waiting and pages the list', async () => {
    for (const id of [11, 12, 13]) await enqueueOutboundSend(outbound, { emailQueueId: id });
    await failJobs(QueueName.OutboundSend, 3);

    const page = await gateway.request('GET', '/api/queues/outbound.send/failed?limit=2&offset=1');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ limit: 2, offset: 1, total: 3 });
    expect(page.body.items).toHaveLength(2);
    const all = await gateway.request('GET', '/api/queues/outbound.send/failed?limit=100');
    expect(all.body.items.map((job: { id: string }) => job.id).sort()).toEqual([
      'email-11',
      'email-12',
      'email-13',
    ]);

    const retryAll = await gateway.request('POST', '/api/queues/outbound.send/failed/retry-all');
    expect(retryAll.status).toBe(200);
    expect(retryAll.body).toEqual({ queue: 'outbound.send', retried: 3 });
    expect(await countsOf(QueueName.OutboundSend)).toMatchObject({ waiting: 3, failed: 0 });
    for (const id of ['email-11', 'email-12', 'email-13']) {
      expect(await outbound.getJobState(id)).toBe('waiting');
    }

    const nothingLeft = await gateway.request('POST', '/api/queues/outbound.send/failed/retry-all');
    expect(nothingLeft.body).toEqual({ queue: 'outbound.send', retried: 0 });
    await outbound.obliterate({ force: true });
  });
});

describe('a retried job whose consumer marked its row failed', () => {
  // The consumers skip rows that are not queued/captured; a retry that left the row failed would do nothing.
  async function emailRow(status: string): Promise<number> {
    const { rows } = await gateway.db.query(
      `insert into email_queue (purpose, from_address, to_addresses, subject, message_id, status, last_error, body_text)
       values ('notification', 'support@example.org', 'alice@example.org', 'Printer', $1, $2, 'Gave up', 'body')
       returning id`,
      [`<${status}-${Date.now()}@twe.example.org>`, status],
    );
    return rows[0].id as number;
  }
  async function inboundRow(state: string): Promise<number> {
    const { rows } = await gateway.db.query(
      `insert into inbound_message (mailbox_id, source, remote_id, raw, size, truncated, sha256, state, error)
       values (null, 'test', $1, '\\x00'::bytea, 1, false, 'x', $2, 'Processing failed') returning id`,
      [`row-${state}-${Date.now()}-${Math.random()}`, state],
    );
    return rows[0].id as number;
  }
  const emailStatus = async (id: number) =>
    (await gateway.db.query('select status, last_error from email_queue where id = $1', [id])).rows[0];
  const inboundState = async (id: number) =>
    (await gateway.db.query('select state, error from inbound_message where id = $1', [id])).rows[0];

  const cases = [
    {
      situation: 'an email that failed for good is queued again',
      queue: QueueName.OutboundSend,
      arrange: async () => {
        const id = await emailRow('failed');
        await enqueueOutboundSend(outbound, { emailQueueId: id });
        return id;
      },
      read: emailStatus,
      expected: { status: 'queued', last_error: 'Gave up' },
    },
    {
      situation: 'an email already bounced stays bounced',
      queue: QueueName.OutboundSend,
      arrange: async () => {
        const id = await emailRow('bounced');
        await enqueueOutboundSend(outbound, { emailQueueId: id });
        return id;
      },
      read: emailStatus,
      expected: { status: 'bounced', last_error: 'Gave up' },
    },
    {
      situation: 'an inbound message that failed processing is captured again',
      queue: QueueName.InboundProcess,
      arrange: async () => {
        const id = await inboundRow('failed');
        await enqueueInboundProcess(extra(QueueName.InboundProcess), { inboundMessageId: id });
        return id;
      },
      read: inboundState,
      expected: { state: 'captured', error: null },
    },
    {
      situation: 'a bounce message that failed processing is captured again',
      queue: QueueName.BounceProcess,
      arrange: async () => {
        const id = await inboundRow('failed');
        await enqueueBounceProcess(extra(QueueName.BounceProcess), { inboundMessageId: id });
        return id;
      },
      read: inboundState,
      expected: { state: 'captured', error: null },
    },
  ];

  it.each(cases)('$situation', async ({ queue, arrange, read, expected }) => {
    const rowId = await arrange();
    await failJobs(queue, 1);
    const { items } = (await gateway.request('GET', `/api/queues/${queue}/failed`)).body;
    expect(items).toHaveLength(1);
    const [failed] = items;
    const retry = await gateway.request('POST', `/api/queues/${queue}/failed/${failed.id}/retry`);
    expect(retry.status).toBe(200);
    expect(retry.body.state).toBe('waiting');
    expect(await read(rowId)).toEqual(expected);
    await queueOf(queue).obliterate({ force: true });
  });
});

describe('a failed ingest job', () => {
  it('shows only source, kind and idempotencyKey of its message, never the body', async () => {
    const jobId = await enqueueTicketsIngest(ingest, {
      kind: 'raw',
      source: 'crm',
      idempotencyKey: 'case-4711',
      rawBase64: SECRET_BODY_BASE64,
    });
    await failJobs(QueueName.TicketsIngest, 1);

    const list = await gateway.request('GET', '/api/queues/tickets.ingest/failed');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({
      id: jobId,
      name: 'ingest',
      data: { source: 'crm', kind: 'raw', idempotencyKey: 'case-4711' },
    });
    expect(Object.keys(list.body.items[0].data).sort()).toEqual(['idempotencyKey', 'kind', 'source']);
    expect(list.text).not.toContain(SECRET_BODY_BASE64);
    expect(list.text).not.toContain('hunter2');
  });
});

describe('requests naming what does not exist', () => {
  const cases: Array<{ situation: string; method: string; path: string; status: number; message: RegExp }> = [
    {
      situation: 'unknown queue in the failed list',
      method: 'GET',
      path: '/api/queues/outbound.sned/failed',
      status: 404,
      message:
        /^Queue "outbound\.sned" not found; valid queues: mail\.fetch, inbound\.process, tickets\.ingest, assignment\.process, bounce\.process, outbound\.send$/,
    },
    {
      situation: 'unknown queue in a retry',
      method: 'POST',
      path: '/api/queues/nope/failed/email-1/retry',
      status: 404,
      message: /^Queue "nope" not found; valid queues: mail\.fetch/,
    },
    {
      situation: 'unknown queue in retry-all',
      method: 'POST',
      path: '/api/queues/nope/failed/retry-all',
      status: 404,
      message: /^Queue "nope" not found/,
    },
    {
      situation: 'unknown job id',
      method: 'POST',
      path: '/api/queues/outbound.send/failed/email-424242/retry',
      status: 404,
      message: /^Job outbound\.send email-424242 not found$/,
    },
    {
      situation: 'a job id no job can have',
      method: 'POST',
      path: `/api/queues/outbound.send/failed/${encodeURIComponent('email 1*')}/retry`,
      status: 404,
      message: /^Job outbound\.send \(invalid id\) not found$/,
    },
  ];
  it.each(cases)('$situation answers $status', async ({ method, path, status, message }) => {
    const response = await gateway.request(method, path);
    expect(response.status).toBe(status);
    expect(response.body.statusCode).toBe(status);
    expect(response.body.message).toMatch(message);
  });

  it.each([
    { situation: 'limit above 100', query: 'limit=101', field: 'limit' },
    { situation: 'limit of zero', query: 'limit=0', field: 'limit' },
    { situation: 'negative offset', query: 'offset=-1', field: 'offset' },
    { situation: 'unknown parameter', query: 'page=2', field: 'page' },
  ])('a failed list with $situation is a 400 naming the field', async ({ query, field }) => {
    const response = await gateway.request('GET', `/api/queues/outbound.send/failed?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { field: string }) => error.field)).toEqual([field]);
  });
});

describe('OpenAPI', () => {
  it('documents the queue endpoints', async () => {
    const response = await gateway.request('GET', '/docs-json');
    const methods = Object.entries(response.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(methods).toEqual(
      expect.arrayContaining([
        'GET /api/queues',
        'GET /api/queues/{queue}/failed',
        'POST /api/queues/{queue}/failed/retry-all',
        'POST /api/queues/{queue}/failed/{jobId}/retry',
      ]),
    );
    expect(response.body.components.schemas).toHaveProperty('FailedJobPage');
  });
});
