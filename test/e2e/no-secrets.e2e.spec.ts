import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MikroORM } from '@mikro-orm/postgresql';
import { verifyImapConnection, withImapSession, type ImapConnectionSettings } from '@twe/mail';
import { ormConfig, runMigrations } from '@twe/persistence';
import {
  createTestDatabase,
  deleteRedisKeys,
  launchServices,
  readMailFixture,
  startDovecot,
  testRedisUrl,
  uniqueQueuePrefix,
  type DovecotServer,
  type RunningSystem,
  type TestDatabase,
} from '@twe/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * "No secret anywhere": real gateway and mail-fetcher processes (LOG_LEVEL=trace, the most they ever
 * log) fetch with a known password, fail logins with a wrong one, test connections and change a
 * password. Then every log line of both services, every Redis key under the test's prefix (job data,
 * return values, failed reasons, stack traces, scheduler data) and every API response body are
 * searched for each password, as typed and as it travels in SASL PLAIN (base64).
 */
const USER = 'secrets@example.com';
const PASSWORD = `Correct-${randomBytes(8).toString('hex')}`;
const WRONG_PASSWORD = `Wrong-${randomBytes(8).toString('hex')}`;
const NEW_PASSWORD = `Changed-${randomBytes(8).toString('hex')}`;
const FIXTURES = ['imaptools-example13.eml', 'imaptools-example14.eml', 'mmp-m0001.eml'];

/** Each secret and the encodings it could leak in (SASL PLAIN is base64 of "\0user\0password"). */
function leakForms(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(`\0${USER}\0${secret}`).toString('base64'),
    JSON.stringify(secret).slice(1, -1),
  ];
}
const FORBIDDEN = [PASSWORD, WRONG_PASSWORD, NEW_PASSWORD].flatMap(leakForms);

interface Health {
  lastFetchOutcome: string | null;
  lastFailureKind: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  backoffUntil: string | null;
  lastSuccessAt: string | null;
  lastFetchCapturedCount: number;
}

describe('no secret in logs, Redis or API responses', () => {
  let database: TestDatabase;
  let dovecot: DovecotServer;
  let system: RunningSystem;
  let logDir: string;
  const queuePrefix = uniqueQueuePrefix();
  const bodies: string[] = [];
  let goodId: number;
  let badId: number;
  let goodHealth: Health;
  let badHealth: Health;

  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${system.gatewayUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, json: text ? JSON.parse(text) : null };
  }

  async function createMailbox(name: string, password: string): Promise<number> {
    const mailbox = await call('POST', '/api/mailboxes', {
      name,
      type: 'IMAP',
      host: dovecot.host,
      port: dovecot.imapPort,
      security: 'starttls',
      username: USER,
      password,
      trustedCaPem: dovecot.caCertPem,
    });
    expect(mailbox.status).toBe(201);
    const id = (mailbox.json as { id: number }).id;
    const type = await call('POST', '/api/ticket-types', {
      task: 'Simple Storage',
      name,
      emailTo: `${name.toLowerCase()}@example.com`,
      workflowTag: name,
      mailboxId: id,
      adminEmail: 'admin@example.com',
      active: true,
    });
    expect(type.status).toBe(201);
    return id;
  }

  async function waitForHealth(id: number, done: (health: Health) => boolean): Promise<Health> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { json } = await call('GET', `/api/mailboxes/${id}`);
      const health = (json as { health: Health }).health;
      if (done(health)) return health;
      if (Date.now() > deadline)
        throw new Error(`mailbox ${id} health never got there: ${JSON.stringify(health)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    const orm = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 1 }));
    await runMigrations(orm);
    await orm.close();
    dovecot = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
    const direct: ImapConnectionSettings = {
      host: dovecot.host,
      port: dovecot.imapPort,
      security: 'starttls',
      auth: { kind: 'password', user: USER, password: PASSWORD },
      trustedCaPem: dovecot.caCertPem,
    };
    await withImapSession(direct, async (session) => {
      for (const name of FIXTURES) await session.client.append('INBOX', readMailFixture(name));
    });
    logDir = mkdtempSync(join(tmpdir(), 'twe-no-secrets-'));
    system = await launchServices({
      logDir,
      services: ['gateway', 'mail-fetcher'],
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'trace',
        DATABASE_URL: database.url,
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: queuePrefix,
        // Scheduled runs too (their job data and scheduler entries land in Redis).
        FETCH_RECONCILE_SECONDS: '1',
      },
    });

    goodId = await createMailbox('Good', PASSWORD);
    badId = await createMailbox('Bad', WRONG_PASSWORD);
    expect((await call('POST', `/api/mailboxes/${goodId}/fetch-now`)).status).toBe(202);
    expect((await call('POST', `/api/mailboxes/${badId}/fetch-now`)).status).toBe(202);
    goodHealth = await waitForHealth(goodId, (health) => health.lastFetchOutcome === 'succeeded');
    badHealth = await waitForHealth(badId, (health) => health.lastFailureKind !== null);
    // Only by its schedule: a failed scheduled job stays in Redis with its reason and stack trace
    // ("fetch now" jobs are removed when they end).
    const scheduledId = await createMailbox('Scheduled', WRONG_PASSWORD);
    await waitForHealth(scheduledId, (health) => health.lastFailureKind === 'authentication');
    expect((await verifyImapConnection(direct)).messages).toBe(0);

    for (const id of [goodId, badId]) {
      expect((await call('POST', `/api/mailboxes/${id}/test-connection`)).status).toBe(200);
    }
    expect((await call('PATCH', `/api/mailboxes/${badId}`, { password: NEW_PASSWORD })).status).toBe(200);
    expect((await call('POST', `/api/mailboxes/${badId}/fetch-now`)).status).toBe(202);
    await waitForHealth(badId, (health) => health.consecutiveFailures >= 2);
    await call('GET', '/api/mailboxes');
    await call('GET', `/api/mailboxes/${goodId}`);
    await call('GET', `/api/mailboxes/${badId}`);
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    await dovecot?.stop();
    await deleteRedisKeys(testRedisUrl(), queuePrefix);
    await database?.drop();
  });

  it('shows the health of a working and a failing mailbox in the API', () => {
    expect(goodHealth).toMatchObject({
      lastFetchOutcome: 'succeeded',
      lastFailureKind: null,
      lastError: null,
      consecutiveFailures: 0,
      backoffUntil: null,
      lastFetchCapturedCount: FIXTURES.length,
    });
    expect(goodHealth.lastSuccessAt).not.toBeNull();
    expect(badHealth).toMatchObject({
      lastFetchOutcome: 'failed',
      lastFailureKind: 'authentication',
      consecutiveFailures: 1,
      lastSuccessAt: null,
    });
    expect(badHealth.lastError).toContain('[AUTHENTICATIONFAILED] Authentication failed.');
    expect(Date.parse(badHealth.backoffUntil ?? '')).toBeGreaterThan(Date.now());
  });

  it('has no password in any API response', () => {
    expect(bodies.length).toBeGreaterThan(10);
    for (const body of bodies) for (const secret of FORBIDDEN) expect(body).not.toContain(secret);
  });

  it('has no password in any Redis key under the queue prefix (job data, failed reasons, stack traces)', async () => {
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
    const dump: string[] = [];
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:*`, 'COUNT', 500);
        cursor = next;
        for (const key of keys) {
          const type = await redis.type(key);
          let value: unknown;
          if (type === 'string') value = await redis.get(key);
          else if (type === 'hash') value = await redis.hgetall(key);
          else if (type === 'list') value = await redis.lrange(key, 0, -1);
          else if (type === 'set') value = await redis.smembers(key);
          else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES');
          else if (type === 'stream') value = await redis.xrange(key, '-', '+');
          else value = `(type ${type})`;
          dump.push(`${key} ${JSON.stringify(value)}`);
        }
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    const text = dump.join('\n');
    // What was searched: fetch jobs with data, a failed one with its reason and stack trace.
    // (Values are JSON inside JSON here, hence the plain words.)
    expect(text).toContain('mailboxId');
    expect(text).toContain('AUTHENTICATIONFAILED');
    expect(text).toMatch(
      /mail\.fetch:repeat:mailbox-\d+:\d+ .*stacktrace.*MailboxFetchError.*AUTHENTICATIONFAILED/,
    );
    expect(text).toContain('inboundMessageId');
    for (const secret of FORBIDDEN) expect(text).not.toContain(secret);
  });

  it('has no password in any log line of the gateway or the mail-fetcher', async () => {
    await system.stop(); // flushes and closes the log files
    await new Promise((resolve) => setTimeout(resolve, 200));
    const files = readdirSync(logDir);
    expect(files.sort()).toEqual(['gateway.log', 'mail-fetcher.log']);
    const logs = files.map((file) => readFileSync(join(logDir, file), 'utf8')).join('\n');
    // What was searched: both services logged at trace, including the failed logins.
    expect(logs).toContain('mailbox fetch failed');
    expect(logs).toContain('mailbox fetched');
    expect(logs).toContain('AUTHENTICATIONFAILED');
    expect(logs.split('\n').length).toBeGreaterThan(50);
    for (const secret of FORBIDDEN) expect(logs).not.toContain(secret);
  });
});
