import { SecretCipher } from '@twe/config';
import { createQueue, jobId, QueueName } from '@twe/queues';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startGateway, type GatewayUnderTest } from './gateway-harness';

// Distinctive plaintexts, so that any occurrence in a response is a leak.
const PASSWORD = 'pw-PLAINTEXT-3f9a1c';
const NEW_PASSWORD = 'pw-PLAINTEXT-second-88e2';
const CLIENT_SECRET = 'cs-PLAINTEXT-71d0b4';
const REFRESH_TOKEN = 'rt-PLAINTEXT-0c55ae';

const imapMailbox = {
  name: 'Support mailbox',
  type: 'IMAP',
  host: 'imap.example.com',
  port: 993,
  useSsl: true,
  username: 'support@example.com',
  password: PASSWORD,
};

let gateway: GatewayUnderTest;

beforeAll(async () => {
  gateway = await startGateway();
});

afterAll(async () => {
  await gateway?.close();
});

async function createMailbox(overrides: Record<string, unknown> = {}): Promise<number> {
  const response = await gateway.request('POST', '/api/mailboxes', { ...imapMailbox, ...overrides });
  expect(response.status, response.text).toBe(201);
  return response.body.id as number;
}

async function insertCapturedMessages(mailboxId: number, count: number): Promise<void> {
  await gateway.db.query(
    `insert into inbound_message (mailbox_id, remote_id, raw, size, sha256)
     select $1, 'uid-' || n, 'raw'::bytea, 3, repeat('0', 64) from generate_series(1, $2::int) n`,
    [mailboxId, count],
  );
}

describe('mailboxes: the seven steps of SPEC §8', () => {
  let id: number;

  it('1. the list appears', async () => {
    const response = await gateway.request('GET', '/api/mailboxes');
    expect(response.status).toBe(200);
    expect(response.body).toEqual([]);
  });

  it('2. the create form is described (OpenAPI create schema with the fields)', async () => {
    const response = await gateway.request('GET', '/docs-json');
    const operation = response.body.paths['/api/mailboxes'].post;
    expect(operation.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/MailboxCreate',
    });
    const schema = response.body.components.schemas.MailboxCreate;
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['name', 'type', 'host', 'port', 'security', 'useSsl', 'username', 'password']),
    );
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'type', 'host', 'port', 'username']));
    expect(schema.properties.type.enum).toEqual(['IMAP', 'POP3', 'IMAP - OAuth', 'POP3 - OAuth']);
  });

  it('3. create with name, type, host, port, SSL, username and password succeeds', async () => {
    const response = await gateway.request('POST', '/api/mailboxes', imapMailbox);
    expect(response.status).toBe(201);
    id = response.body.id;
    expect(response.body).toMatchObject({
      name: 'Support mailbox',
      type: 'IMAP',
      host: 'imap.example.com',
      port: 993,
      security: 'tls',
      useSsl: true,
      username: 'support@example.com',
      passwordSet: true,
    });
    const list = await gateway.request('GET', '/api/mailboxes');
    expect(list.body.map((mailbox: { id: number }) => mailbox.id)).toEqual([id]);
  });

  it('4. edit and save succeed; an omitted password is kept', async () => {
    const response = await gateway.request('PATCH', `/api/mailboxes/${id}`, {
      name: 'Support (renamed)',
      port: 143,
      security: 'starttls',
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      name: 'Support (renamed)',
      port: 143,
      security: 'starttls',
      passwordSet: true,
    });
  });

  it('5. details show correctly, with health and which secrets are set', async () => {
    await gateway.db.query(
      `update mailbox set last_success_at = '2026-01-02T03:04:05Z', last_error = 'LOGIN failed', last_fetch_captured_count = 4,
              consecutive_failures = 1, last_fetch_outcome = 'failed', last_failure_kind = 'authentication',
              backoff_until = '2026-01-02T04:05:06Z',
              left_in_mailbox = '[{"remoteId":"7:12","reason":"the server returned an empty body"}]' where id = $1`,
      [id],
    );
    await insertCapturedMessages(id, 3);
    const response = await gateway.request('GET', `/api/mailboxes/${id}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id,
      name: 'Support (renamed)',
      type: 'IMAP',
      host: 'imap.example.com',
      port: 143,
      security: 'starttls',
      useSsl: true,
      username: 'support@example.com',
      passwordSet: true,
      clientSecretSet: false,
      refreshTokenSet: false,
      trustedCaPem: null,
      ticketTypeCount: 0,
      health: {
        lastSuccessAt: '2026-01-02T03:04:05.000Z',
        lastError: 'LOGIN failed',
        lastFetchCapturedCount: 4,
        consecutiveFailures: 1,
        messagesCaptured: 3,
        lastFetchStartedAt: null,
        lastFetchFinishedAt: null,
        lastFetchOutcome: 'failed',
        lastFailureKind: 'authentication',
        backoffUntil: '2026-01-02T04:05:06.000Z',
        leftInMailbox: [{ remoteId: '7:12', reason: 'the server returned an empty body' }],
      },
    });
    expect(response.body).not.toHaveProperty('password');
    expect(response.body).not.toHaveProperty('passwordEncrypted');
  });

  it('6. delete asks for confirmation (400 without ?confirm=true) and deletes nothing', async () => {
    const unconfirmed = await createMailbox({ name: 'Unused' });
    for (const query of ['', '?confirm=false', '?confirm=1']) {
      const response = await gateway.request('DELETE', `/api/mailboxes/${unconfirmed}${query}`);
      expect(response.status).toBe(400);
      expect(response.body.message).toBe(
        `Deleting mailbox ${unconfirmed} needs confirmation: repeat the request with ?confirm=true`,
      );
      expect(response.body.errors).toEqual([{ field: 'confirm', message: 'Must be true to delete' }]);
    }
    expect((await gateway.request('GET', `/api/mailboxes/${unconfirmed}`)).status).toBe(200);
  });

  it('7. confirmed delete removes a mailbox without related data, and answers 409 naming the relations otherwise', async () => {
    const unused = await createMailbox({ name: 'Unused 2' });
    const deleted = await gateway.request('DELETE', `/api/mailboxes/${unused}?confirm=true`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await gateway.request('GET', `/api/mailboxes/${unused}`)).status).toBe(404);

    const used = await createMailbox({ name: 'Used' });
    for (const [name, emailTo] of [
      ['Support', 'support@example.com'],
      ['Sales', 'sales@example.com'],
    ]) {
      const type = await gateway.request('POST', '/api/ticket-types', {
        task: 'Simple Storage',
        name,
        emailTo,
        workflowTag: name,
        mailboxId: used,
        adminEmail: 'admin@example.com',
      });
      expect(type.status, type.text).toBe(201);
    }
    await insertCapturedMessages(used, 14);
    const refused = await gateway.request('DELETE', `/api/mailboxes/${used}?confirm=true`);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe(
      `Mailbox ${used} cannot be deleted: 2 ticket types use it (Support, Sales) and 14 captured messages reference it`,
    );
    expect(refused.body.relations.capturedMessages).toBe(14);
    expect((await gateway.request('GET', `/api/mailboxes/${used}`)).status).toBe(200);

    // Only captured messages: the message names just those.
    const capturedOnly = await createMailbox({ name: 'Captured only' });
    await insertCapturedMessages(capturedOnly, 1);
    const refusedAgain = await gateway.request('DELETE', `/api/mailboxes/${capturedOnly}?confirm=true`);
    expect(refusedAgain.body.message).toBe(
      `Mailbox ${capturedOnly} cannot be deleted: 1 captured message references it`,
    );
  });
});

describe('mailbox validation', () => {
  it('says a missing type is required, and lists the types', async () => {
    const response = await gateway.request('POST', '/api/mailboxes', {
      name: 'No type',
      host: 'imap.example.com',
      port: 993,
      username: 'support@example.com',
      password: PASSWORD,
    });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { field: 'type', message: 'Required, one of: "IMAP", "POP3", "IMAP - OAuth", "POP3 - OAuth"' },
    ]);
  });

  it('answers 400 with one message per bad field', async () => {
    const response = await gateway.request('POST', '/api/mailboxes', {
      name: '',
      type: 'IMAP4',
      host: 'not a host',
      port: 70000,
      username: 'support@example.com',
      password: PASSWORD,
      pasword: 'typo',
    });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      statusCode: 400,
      message: 'Validation failed',
      errors: [
        { field: 'name', message: 'Must not be empty' },
        { field: 'type', message: 'Must be one of: "IMAP", "POP3", "IMAP - OAuth", "POP3 - OAuth"' },
        { field: 'host', message: 'Must be a host name or an IP address' },
        { field: 'port', message: 'Must be at most 65535' },
        { field: 'pasword', message: 'Unknown field' },
      ],
    });
  });

  it('reports missing fields and the rules between fields', async () => {
    const missing = await gateway.request('POST', '/api/mailboxes', { type: 'IMAP' });
    expect(missing.body.errors).toEqual([
      { field: 'name', message: 'Required' },
      { field: 'host', message: 'Required' },
      { field: 'port', message: 'Required' },
      { field: 'username', message: 'Required' },
    ]);
    const rules = await gateway.request('POST', '/api/mailboxes', {
      ...imapMailbox,
      useSsl: undefined,
      password: undefined,
      clientId: 'abc',
    });
    expect(rules.status).toBe(400);
    expect(rules.body.errors).toEqual([
      { field: 'security', message: 'Required: "tls", "starttls" or "none" (or useSsl: true / false)' },
      { field: 'clientId', message: 'Only for OAuth mailboxes (type "IMAP - OAuth" or "POP3 - OAuth")' },
      { field: 'password', message: 'Required for IMAP mailboxes' },
    ]);
    const oauth = await gateway.request('POST', '/api/mailboxes', {
      ...imapMailbox,
      type: 'IMAP - OAuth',
      password: undefined,
    });
    expect(oauth.body.errors.map((error: { field: string }) => error.field)).toEqual([
      'oauthProvider',
      'clientId',
      'clientSecret',
    ]);
  });

  it('maps useSsl to STARTTLS on the plain ports and to implicit TLS elsewhere', async () => {
    const starttls = await gateway.request('POST', '/api/mailboxes', {
      ...imapMailbox,
      port: 110,
      type: 'POP3',
    });
    expect(starttls.body.security).toBe('starttls');
    const plain = await gateway.request('POST', '/api/mailboxes', { ...imapMailbox, useSsl: false });
    expect(plain.body).toMatchObject({ security: 'none', useSsl: false });
    const contradiction = await gateway.request('POST', '/api/mailboxes', {
      ...imapMailbox,
      security: 'none',
      useSsl: true,
    });
    expect(contradiction.body.errors).toEqual([
      { field: 'useSsl', message: 'Contradicts security "none"; give one of the two' },
    ]);
  });

  it('refuses bodies that are not JSON, and unknown or malformed ids', async () => {
    const form = await gateway.request('POST', '/api/mailboxes', 'name=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    const broken = await gateway.request('POST', '/api/mailboxes', `{"password": ${PASSWORD}}`);
    expect(broken.body).toEqual({ statusCode: 400, message: 'Request body is not valid JSON' });
    const array = await gateway.request('POST', '/api/mailboxes', []);
    expect(array.body.errors).toEqual([{ field: '(body)', message: 'Must be a JSON object' }]);
    expect((await gateway.request('GET', '/api/mailboxes/999999')).body).toEqual({
      statusCode: 404,
      message: 'Mailbox 999999 not found',
    });
    expect((await gateway.request('GET', '/api/mailboxes/99999999999')).status).toBe(404);
    expect((await gateway.request('GET', '/api/mailboxes/abc')).status).toBe(400);
    expect((await gateway.request('PATCH', '/api/mailboxes/999999', { name: 'x' })).status).toBe(404);
    expect((await gateway.request('DELETE', '/api/mailboxes/999999?confirm=true')).status).toBe(404);
    expect((await gateway.request('POST', '/api/mailboxes/999999/fetch-now')).status).toBe(404);
  });
});

describe('mailbox secrets', () => {
  const cipher = SecretCipher.fromEnvironment({ NODE_ENV: 'test' });

  async function storedSecrets(id: number) {
    const { rows } = await gateway.db.query<{
      password_encrypted: string | null;
      oauth_client_secret_encrypted: string | null;
      oauth_refresh_token_encrypted: string | null;
    }>(
      'select password_encrypted, oauth_client_secret_encrypted, oauth_refresh_token_encrypted from mailbox where id = $1',
      [id],
    );
    return rows[0];
  }

  it('edit: omitting keeps, a value replaces, empty is an error, null clears', async () => {
    const id = await createMailbox();
    const before = (await storedSecrets(id)).password_encrypted;

    await gateway.request('PATCH', `/api/mailboxes/${id}`, { name: 'Kept' });
    expect((await storedSecrets(id)).password_encrypted).toBe(before);

    const empty = await gateway.request('PATCH', `/api/mailboxes/${id}`, { password: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].field).toBe('password');

    const replaced = await gateway.request('PATCH', `/api/mailboxes/${id}`, { password: NEW_PASSWORD });
    expect(replaced.body.passwordSet).toBe(true);
    const stored = (await storedSecrets(id)).password_encrypted!;
    expect(stored).not.toBe(before);
    expect(cipher.decrypt(stored)).toBe(NEW_PASSWORD);

    const cleared = await gateway.request('PATCH', `/api/mailboxes/${id}`, { password: null });
    expect(cleared.body.passwordSet).toBe(false);
    expect((await storedSecrets(id)).password_encrypted).toBeNull();
  });

  it('OAuth secrets are stored encrypted and shown only as "set"', async () => {
    const response = await gateway.request('POST', '/api/mailboxes', {
      name: 'Microsoft 365',
      type: 'IMAP - OAuth',
      host: 'outlook.office365.com',
      port: 993,
      security: 'tls',
      username: 'support@contoso.example',
      oauthProvider: 'microsoft',
      tenantId: 'contoso.onmicrosoft.com',
      clientId: '00000000-1111-2222-3333-444444444444',
      clientSecret: CLIENT_SECRET,
      redirectUrl: 'https://helpdesk.example.com/oauth/callback',
      refreshToken: REFRESH_TOKEN,
      refreshTokenExpiresAt: '2027-01-01T00:00:00Z',
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body).toMatchObject({
      oauthProvider: 'microsoft',
      tenantId: 'contoso.onmicrosoft.com',
      clientId: '00000000-1111-2222-3333-444444444444',
      redirectUrl: 'https://helpdesk.example.com/oauth/callback',
      passwordSet: false,
      clientSecretSet: true,
      refreshTokenSet: true,
      refreshTokenExpiresAt: '2027-01-01T00:00:00.000Z',
    });
    const stored = await storedSecrets(response.body.id);
    expect(cipher.decrypt(stored.oauth_client_secret_encrypted!)).toBe(CLIENT_SECRET);
    expect(cipher.decrypt(stored.oauth_refresh_token_encrypted!)).toBe(REFRESH_TOKEN);

    // Switching to a plain type needs a password and drops the OAuth settings and tokens.
    const switched = await gateway.request('PATCH', `/api/mailboxes/${response.body.id}`, {
      type: 'IMAP',
      password: PASSWORD,
    });
    expect(switched.body).toMatchObject({
      clientSecretSet: false,
      refreshTokenSet: false,
      clientId: null,
      passwordSet: true,
    });
    const after = await storedSecrets(response.body.id);
    expect(after.oauth_client_secret_encrypted).toBeNull();
    expect(after.oauth_refresh_token_encrypted).toBeNull();
  });

  it('no response ever contained a secret, in plain text or encrypted (runs last in this file)', async () => {
    // More responses that echo the input if anything does: a bad request carrying secrets.
    await gateway.request('POST', '/api/mailboxes', {
      ...imapMailbox,
      port: 'x',
      clientSecret: CLIENT_SECRET,
    });
    await gateway.request('GET', '/api/mailboxes');
    const { rows } = await gateway.db.query<{ value: string }>(
      `select unnest(array[password_encrypted, oauth_client_secret_encrypted, oauth_refresh_token_encrypted]) as value from mailbox`,
    );
    const ciphertexts = rows.map((row) => row.value).filter((value): value is string => value !== null);
    expect(ciphertexts.length).toBeGreaterThan(3);
    for (const ciphertext of ciphertexts) {
      expect(ciphertext).not.toContain('PLAINTEXT');
      expect(ciphertext.startsWith('v1:')).toBe(true);
    }
    const needles = [
      PASSWORD,
      NEW_PASSWORD,
      CLIENT_SECRET,
      REFRESH_TOKEN,
      ...ciphertexts,
      ...ciphertexts.map((c) => c.split(':')[3]),
    ];
    expect(gateway.responseTexts.length).toBeGreaterThan(20);
    for (const text of gateway.responseTexts) {
      for (const needle of needles) expect(text).not.toContain(needle);
    }
  });
});

describe('fetch now', () => {
  it('answers 202 and puts a manual mail.fetch job for the mailbox in Redis', async () => {
    const id = await createMailbox({ name: 'Fetch me' });
    const response = await gateway.request('POST', `/api/mailboxes/${id}/fetch-now`);
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ mailboxId: id, jobId: jobId.fetchMailboxNow(id), status: 'queued' });

    const queue = createQueue(QueueName.MailFetch, {
      redisUrl: gateway.redisUrl,
      prefix: gateway.queuePrefix,
    });
    try {
      const job = await queue.getJob(jobId.fetchMailboxNow(id));
      expect(job?.name).toBe('fetch');
      expect(job?.data).toEqual({ mailboxId: id, trigger: 'manual' });
      // A second click while the first is pending adds nothing.
      await gateway.request('POST', `/api/mailboxes/${id}/fetch-now`);
      expect(await queue.getJobCounts('waiting', 'delayed', 'prioritized')).toMatchObject({ waiting: 1 });
    } finally {
      await queue.close();
    }
  });
});
