import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MikroORM } from '@mikro-orm/postgresql';
import { ormConfig, runMigrations } from '@twe/persistence';
import {
  createTestDatabase,
  deleteRedisKeys,
  freePort,
  launchServices,
  startDovecot,
  testRedisUrl,
  uniqueQueuePrefix,
  type DovecotServer,
  type RunningSystem,
  type TestDatabase,
} from '@twe/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * "Test connection" through HTTP: the gateway asks a mail-fetcher over @nestjs/microservices (Redis
 * transport) and answers with what the IMAP server said. Real gateway and fetcher processes, real Dovecot.
 */
const USER = 'helpdesk@example.com';
const PASSWORD = 'correct-horse-battery';
const WRONG_PASSWORD = 'wrong-password-for-test';
const BUDGET_MS = 3_000; // MAILBOX_TEST_TIMEOUT_MS for this run: a silent server is given up on after 1 s

interface Reply {
  ok: boolean;
  mailboxId: number;
  protocol: string | null;
  summary: string;
  failureKind: string | null;
  serverResponse: string | null;
  durationMs: number;
}

describe('test connection (gateway -> mail-fetcher over Redis)', () => {
  let database: TestDatabase;
  let dovecot: DovecotServer;
  let system: RunningSystem;
  let silentServer: Server;
  let silentPort: number;
  const sockets = new Set<Socket>();
  const queuePrefix = uniqueQueuePrefix();
  const bodies: string[] = [];

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

  async function mailbox(fields: Record<string, unknown>): Promise<number> {
    const { status, json } = await call('POST', '/api/mailboxes', {
      name: `Test ${bodies.length}`,
      type: 'IMAP',
      host: dovecot.host,
      port: dovecot.imapPort,
      security: 'starttls',
      username: USER,
      password: PASSWORD,
      trustedCaPem: dovecot.caCertPem,
      ...fields,
    });
    expect(status).toBe(201);
    return (json as { id: number }).id;
  }

  async function testConnection(id: number): Promise<Reply> {
    const { status, json } = await call('POST', `/api/mailboxes/${id}/test-connection`);
    expect({ status, json }).toMatchObject({ status: 200 });
    return json as Reply;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    const orm = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 1 }));
    await runMigrations(orm);
    await orm.close();
    dovecot = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
    // Accepts connections and never says a word (a hung server or a wrong port behind a firewall).
    silentServer = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    silentPort = await freePort();
    await new Promise<void>((resolve) => silentServer.listen(silentPort, '127.0.0.1', resolve));
    system = await launchServices({
      logDir: mkdtempSync(join(tmpdir(), 'twe-test-connection-')),
      services: ['gateway', 'mail-fetcher'],
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: database.url,
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: queuePrefix,
        MAILBOX_TEST_TIMEOUT_MS: String(BUDGET_MS),
      },
    });
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silentServer?.close(resolve));
    await dovecot?.stop();
    await deleteRedisKeys(testRedisUrl(), queuePrefix);
    await database?.drop();
  });

  it('logs in over STARTTLS with the mailbox CA and reports the INBOX', async () => {
    const id = await mailbox({});
    const reply = await testConnection(id);
    expect(reply).toMatchObject({
      ok: true,
      mailboxId: id,
      protocol: 'imap',
      summary: `Logged in as ${USER}; INBOX holds 0 message(s)`,
      failureKind: null,
    });
  });

  it('reports a wrong password with the server answer and without the password', async () => {
    const id = await mailbox({ password: WRONG_PASSWORD });
    const reply = await testConnection(id);
    expect(reply.ok).toBe(false);
    expect(reply.failureKind).toBe('authentication');
    expect(reply.serverResponse).toMatch(/AUTHENTICATIONFAILED/);
    expect(JSON.stringify(reply)).not.toContain(WRONG_PASSWORD);
  });

  it('refuses a server certificate that the mailbox does not trust', async () => {
    const id = await mailbox({ trustedCaPem: null });
    const reply = await testConnection(id);
    expect({ ok: reply.ok, failureKind: reply.failureKind }).toEqual({ ok: false, failureKind: 'tls' });
  });

  it('reports a refused port as a connection failure', async () => {
    const id = await mailbox({ port: await freePort(), security: 'tls' });
    const reply = await testConnection(id);
    expect({ ok: reply.ok, failureKind: reply.failureKind }).toEqual({
      ok: false,
      failureKind: 'connection',
    });
    expect(reply.summary).toContain('ECONNREFUSED');
  });

  it('gives up on a server that never answers within the budget', async () => {
    const id = await mailbox({ port: silentPort, security: 'none' });
    const reply = await testConnection(id);
    expect({ ok: reply.ok, failureKind: reply.failureKind }).toEqual({ ok: false, failureKind: 'timeout' });
    expect(reply.durationMs).toBeLessThan(BUDGET_MS);
  });

  it('answers 404 for an unknown mailbox', async () => {
    const { status, json } = await call('POST', '/api/mailboxes/999999/test-connection');
    expect({ status, json }).toEqual({
      status: 404,
      json: { statusCode: 404, message: 'Mailbox 999999 not found' },
    });
  });

  it('never returned a password in any answer', () => {
    for (const body of bodies) {
      expect(body).not.toContain(PASSWORD);
      expect(body).not.toContain(WRONG_PASSWORD);
    }
  });

  it('answers 503 when no mail-fetcher is running', async () => {
    const id = await mailbox({});
    await system.kill('mail-fetcher');
    const { status, json } = await call('POST', `/api/mailboxes/${id}/test-connection`);
    expect({ status, json }).toEqual({
      status: 503,
      json: {
        statusCode: 503,
        message: `No mail-fetcher answered within ${(BUDGET_MS + 5_000) / 1000} s; is the mail-fetcher service running?`,
      },
    });
  });
});
