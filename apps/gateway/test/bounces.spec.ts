import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startGateway, type GatewayUnderTest } from './gateway-harness';

/*
 * The staff bounce API on rows arranged directly in PostgreSQL (the bounce-worker that writes them
 * in production is covered by apps/bounce-worker/test). Real gateway, real database.
 */

let gateway: GatewayUnderTest;
const ids: Record<string, number> = {};

async function insertBounce(fields: {
  recipient: string;
  kind?: string;
  reason: string;
  hard: boolean;
  createdAt: string;
  resolvedAt?: string;
  emailQueueId?: number;
  status?: string;
}): Promise<number> {
  const { rows } = await gateway.db.query<{ id: number }>(
    `insert into bounce (kind, source, recipient, status, reply_code, reason, hard_bounce, diagnostic, email_queue_id,
       resolved_at, created_at)
     values ($1, 'dsn', $2, $3, '550', $4, $5, 'smtp; 550 test', $6, $7, $8) returning id`,
    [
      fields.kind ?? 'bounce',
      fields.recipient,
      fields.status ?? '5.1.1',
      fields.reason,
      fields.hard,
      fields.emailQueueId ?? null,
      fields.resolvedAt ?? null,
      fields.createdAt,
    ],
  );
  return rows[0].id;
}

beforeAll(async () => {
  gateway = await startGateway();
  const contact = async (email: string, undeliverable: boolean) =>
    (
      await gateway.db.query<{ id: number }>(
        `insert into contact (email, name, undeliverable_since, undeliverable_reason) values ($1, $2, $3, $4) returning id`,
        [
          email,
          email.split('@')[0],
          undeliverable ? '2026-12-01T10:00:00Z' : null,
          undeliverable ? 'Hard bounce' : null,
        ],
      )
    ).rows[0].id;
  ids.alice = await contact('alice@example.org', true);
  ids.bob = await contact('bob@example.org', false);
  ids.carol = await contact('carol@example.org', false);
  ids.email = (
    await gateway.db.query<{ id: number }>(
      `insert into email_queue (purpose, from_address, to_addresses, subject, message_id, status, sent_at, bounced_at, body_text)
       values ('notification', '"Support" <support@example.org>', 'alice@example.org', '[Support #1-1] Printer',
               '<m1@twe.example.org>', 'bounced', '2026-12-03T09:00:00Z', '2026-12-03T09:05:00Z', 'secret body') returning id`,
    )
  ).rows[0].id;
  ids.aliceOld = await insertBounce({
    recipient: 'alice@example.org',
    reason: 'userunknown',
    hard: true,
    createdAt: '2026-11-30T08:00:00Z',
    resolvedAt: '2026-11-30T09:00:00Z',
  });
  ids.alice1 = await insertBounce({
    recipient: 'alice@example.org',
    reason: 'userunknown',
    hard: true,
    createdAt: '2026-12-01T10:00:00Z',
  });
  ids.bobFull = await insertBounce({
    recipient: 'bob@example.org',
    reason: 'mailboxfull',
    hard: false,
    status: '4.2.2',
    createdAt: '2026-12-02T10:00:00Z',
  });
  ids.bobAway = await insertBounce({
    recipient: 'bob@example.org',
    kind: 'auto-reply',
    reason: 'vacation',
    hard: false,
    createdAt: '2026-12-03T08:00:00Z',
  });
  ids.alice2 = await insertBounce({
    recipient: 'alice@example.org',
    reason: 'userunknown',
    hard: true,
    createdAt: '2026-12-03T10:00:00Z',
    emailQueueId: ids.email,
  });
});

afterAll(async () => {
  await gateway?.close();
});

const listedIds = (body: { items: Array<{ id: number }> }) => body.items.map((item) => item.id);

describe('GET /api/bounces', () => {
  it('shows unresolved bounces, newest first, by default (no auto-replies, no resolved ones)', async () => {
    const response = await gateway.request('GET', '/api/bounces');
    expect(response.status).toBe(200);
    expect(listedIds(response.body)).toEqual([ids.alice2, ids.bobFull, ids.alice1]);
    expect(response.body).toMatchObject({ page: 1, pageSize: 20, total: 3, totalPages: 1 });
    expect(response.body.items[0]).toMatchObject({
      id: ids.alice2,
      kind: 'bounce',
      state: 'Unresolved',
      recipient: 'alice@example.org',
      status: '5.1.1',
      replyCode: '550',
      reason: 'userunknown',
      hardBounce: true,
      emailQueueId: ids.email,
      contacts: [
        {
          id: ids.alice,
          email: 'alice@example.org',
          name: 'alice',
          undeliverableSince: '2026-12-01T10:00:00.000Z',
        },
      ],
      resolvedAt: null,
    });
  });

  it.each([
    ['hard bounces', 'type=hard', () => [ids.alice2, ids.alice1]],
    ['soft bounces', 'type=soft', () => [ids.bobFull]],
    ['one reason', 'reason=mailboxfull', () => [ids.bobFull]],
    ['a date range (dates are whole days)', 'from=2026-12-01&to=2026-12-02', () => [ids.bobFull, ids.alice1]],
    ['from a timestamp', 'from=2026-12-02T10:00:00Z', () => [ids.alice2, ids.bobFull]],
    ['one contact', `contactId=__bob__`, () => [ids.bobFull]],
    ['resolved ones', 'status=resolved', () => [ids.aliceOld]],
    ['every state', 'status=all&type=hard', () => [ids.alice2, ids.alice1, ids.aliceOld]],
    ['auto-replies that reached the bounce mailbox', 'kind=auto-reply', () => [ids.bobAway]],
    ['every kind', 'kind=all&contactId=__bob__', () => [ids.bobAway, ids.bobFull]],
    ['the second page', 'pageSize=2&page=2', () => [ids.alice1]],
  ])('filters: %s', async (_situation, query, expected) => {
    const response = await gateway.request(
      'GET',
      `/api/bounces?${query.replace('__bob__', String(ids.bob))}`,
    );
    expect(response.status).toBe(200);
    expect(listedIds(response.body)).toEqual(expected());
  });

  it('answers 400 for a reason word the bounce parser does not use', async () => {
    const response = await gateway.request('GET', '/api/bounces?reason=bogus');
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { field: 'reason', message: 'Must be a reason word of the bounce parser, such as userunknown' },
    ]);
  });

  it('answers bad filters with one message per field', async () => {
    const response = await gateway.request(
      'GET',
      '/api/bounces?status=open&type=medium&from=yesterday&page=0&colour=red',
    );
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      'colour',
      'from',
      'page',
      'status',
      'type',
    ]);
  });

  it('answers 404 for a contactId that names no contact', async () => {
    const response = await gateway.request('GET', '/api/bounces?contactId=987654');
    expect(response.status).toBe(404);
    expect(response.body.message).toBe('Contact 987654 not found');
  });
});

describe('GET /api/bounces/:id', () => {
  it('shows the bounce with the outbound email it answers (without its body)', async () => {
    const response = await gateway.request('GET', `/api/bounces/${ids.alice2}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: ids.alice2,
      inboundMessageId: null,
      email: {
        id: ids.email,
        purpose: 'notification',
        status: 'bounced',
        to: 'alice@example.org',
        subject: '[Support #1-1] Printer',
        messageId: '<m1@twe.example.org>',
        sentAt: '2026-12-03T09:00:00.000Z',
        bouncedAt: '2026-12-03T09:05:00.000Z',
      },
    });
    expect(response.text).not.toContain('secret body');
  });

  it.each([
    ['an unknown id', '/api/bounces/987654', 404],
    ['a non-numeric id', '/api/bounces/abc', 400],
  ])('answers %s with %d', async (_situation, path, status) => {
    expect((await gateway.request('GET', path)).status).toBe(status);
  });
});

describe("GET /api/contacts/:id/bounces (the contact's bounces tab)", () => {
  it('shows every bounce of the contact, resolved or not', async () => {
    const response = await gateway.request('GET', `/api/contacts/${ids.alice}/bounces`);
    expect(response.status).toBe(200);
    expect(listedIds(response.body)).toEqual([ids.alice2, ids.alice1, ids.aliceOld]);
    expect(response.body.items.map((item: { state: string }) => item.state)).toEqual([
      'Unresolved',
      'Unresolved',
      'Resolved',
    ]);
  });

  it('is empty for a contact without bounces, 404 for no contact', async () => {
    expect((await gateway.request('GET', `/api/contacts/${ids.carol}/bounces`)).body.items).toEqual([]);
    expect((await gateway.request('GET', '/api/contacts/987654/bounces')).status).toBe(404);
  });
});

describe('resolving bounces', () => {
  const undeliverableSince = async (contactId: number) =>
    (await gateway.db.query('select undeliverable_since from contact where id = $1', [contactId])).rows[0]
      .undeliverable_since as Date | null;

  it('keeps the contact undeliverable while another hard bounce is unresolved', async () => {
    const response = await gateway.request('POST', `/api/bounces/${ids.alice1}/resolve`, {
      note: 'address fixed in the CRM',
      resolvedBy: 'agent.smith',
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: ids.alice1,
      state: 'Resolved',
      resolvedBy: 'agent.smith',
      resolutionNote: 'address fixed in the CRM',
    });
    expect(response.body.resolvedAt).toEqual(expect.any(String));
    expect(await undeliverableSince(ids.alice)).not.toBeNull();
  });

  it('resolves many; the last hard bounce of a contact makes it deliverable again', async () => {
    const response = await gateway.request('POST', '/api/bounces/resolve', {
      ids: [ids.alice2, ids.aliceOld, 987654, ids.alice2],
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      resolvedIds: [ids.alice2],
      alreadyResolvedIds: [ids.aliceOld],
      notFoundIds: [987654],
      deliverableAgainContactIds: [ids.alice],
    });
    expect(await undeliverableSince(ids.alice)).toBeNull();
    const list = await gateway.request('GET', '/api/bounces');
    expect(listedIds(list.body)).toEqual([ids.bobFull]);
  });

  it('keeps the first resolution when a resolved bounce is resolved again', async () => {
    const response = await gateway.request('POST', `/api/bounces/${ids.alice1}/resolve`, {
      resolvedBy: 'someone.else',
    });
    expect(response.status).toBe(200);
    expect(response.body.resolvedBy).toBe('agent.smith');
  });

  it.each([
    ['no ids', {}, 'ids'],
    ['an empty list', { ids: [] }, 'ids'],
    ['a non-integer id', { ids: [1.5] }, 'ids.0'],
    ['an unknown field', { ids: [1], everything: true }, 'everything'],
  ])('refuses %s', async (_situation, body, field) => {
    const response = await gateway.request('POST', '/api/bounces/resolve', body);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it('resolves with a bare POST (no body)', async () => {
    const response = await gateway.request('POST', `/api/bounces/${ids.bobFull}/resolve`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ state: 'Resolved', resolvedBy: null, resolutionNote: null });
  });

  it('answers 404 when resolving an unknown bounce', async () => {
    expect((await gateway.request('POST', '/api/bounces/987654/resolve', {})).status).toBe(404);
  });
});

describe('OpenAPI', () => {
  it('documents the bounce routes', async () => {
    const docs = await gateway.request('GET', '/docs-json');
    const methods = Object.entries(docs.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(methods).toEqual(
      expect.arrayContaining([
        'GET /api/bounces',
        'POST /api/bounces/resolve',
        'GET /api/bounces/{id}',
        'POST /api/bounces/{id}/resolve',
        'GET /api/contacts/{id}/bounces',
      ]),
    );
    expect(docs.body.components.schemas.BounceDetail.properties).toHaveProperty('email');
  });
});
