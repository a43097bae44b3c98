import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MikroORM } from '@mikro-orm/postgresql';
import { ormConfig, runMigrations } from '@twe/persistence';
import { ImapFlow } from 'imapflow';
import { Client } from 'pg';

import { startDovecot, type DovecotServer } from './dovecot';
import { deleteRedisKeys, testRedisUrl, uniqueQueuePrefix } from './redis-prefix';
import { launchServices, type RunningSystem } from './service-launcher';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from './smtp-sink';
import { createTestDatabase, type TestDatabase } from './test-database';

/**
 * The whole system on real parts, as the demo, the end-to-end tests and the benchmark use it:
 * a fresh database (migrated), a Dovecot with the helpdesk mailbox, an SMTP sink, the four services
 * as separate processes, and a mailbox + two ticket types configured through the gateway's API.
 */
export const SUPPORT_ADDRESS = 'support@helpdesk.example.com';
export const SUPPORT_ADMIN = 'support-admin@example.com';
export const SUPPORT_FORWARD = 'support-archive@example.com';
export const REDMINE_ADDRESS = 'redmine@somenet.foo';
export const REDMINE_ADMIN = 'dev-admin@example.com';
/** Password of the helpdesk mailbox (tests grep logs and job data for it). */
export const MAILBOX_PASSWORD = 'demo-mailbox-password';

export interface ScenarioOptions {
  /** Extra environment for the services (e.g. FETCH_MAX_MESSAGE_BYTES). */
  env?: Record<string, string>;
  /** Where service logs go; a temp folder by default. */
  logDir?: string;
  /** Options of the SMTP sink (e.g. recipients it refuses at RCPT TO). */
  sinkOptions?: SmtpSinkOptions;
  /** How the helpdesk mailbox is reached; IMAP with STARTTLS by default. */
  mailbox?: { type: 'IMAP' | 'POP3'; security: 'tls' | 'starttls' | 'none' };
}

function mailboxPort(dovecot: DovecotServer, mailbox: NonNullable<ScenarioOptions['mailbox']>): number {
  if (mailbox.type === 'POP3') return mailbox.security === 'tls' ? dovecot.pop3sPort : dovecot.pop3Port;
  return mailbox.security === 'tls' ? dovecot.imapsPort : dovecot.imapPort;
}

export interface PipelineScenario {
  database: TestDatabase;
  dovecot: DovecotServer;
  sink: SmtpSink;
  system: RunningSystem;
  queuePrefix: string;
  mailboxId: number;
  typeIds: { support: number; redmine: number };
  logDir: string;
  /** Appends raw messages to the helpdesk INBOX over IMAP (a POP3 mailbox reads the same maildir). */
  appendMessages(messages: Buffer[]): Promise<void>;
  /** Number of messages in the helpdesk INBOX. */
  inboxCount(): Promise<number>;
  fetchNow(): Promise<void>;
  /** SQL against the scenario's database. */
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Polls until the check returns true (or throws after timeoutMs with the last state). */
  waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void>;
  /** Waits until `expectedCaptured` messages are captured and processed and every email row is final. */
  waitUntilSettled(expectedCaptured: number, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

async function api<T>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} -> ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function startPipelineScenario(options: ScenarioOptions = {}): Promise<PipelineScenario> {
  const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'twe-logs-'));
  const queuePrefix = uniqueQueuePrefix();
  const database = await createTestDatabase();
  // Undone in reverse order of start. The database and the Redis keys go last, after every service
  // and client has stopped: a BullMQ queue or worker still open re-creates `<queue>:meta` (and
  // `stalled-check`) under the prefix, which would then be left behind.
  const cleanups: Array<() => Promise<unknown>> = [];
  let stopped: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (stopped ??= (async () => {
      for (const step of [...cleanups].reverse()) await step().catch(() => undefined);
      await deleteRedisKeys(testRedisUrl(), queuePrefix).catch(() => undefined);
      await database.drop().catch(() => undefined);
      // Service logs of a scenario that made its own folder go with it (set TWE_KEEP_LOGS=1 to keep
      // them for a post-mortem); otherwise every test run and demo leaves a folder in /tmp.
      if (options.logDir === undefined && !process.env['TWE_KEEP_LOGS']) {
        await rm(logDir, { recursive: true, force: true }).catch(() => undefined);
      }
    })());

  try {
    const orm = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 1 }));
    await runMigrations(orm);
    await orm.close();

    const dovecot = await startDovecot({ users: [{ user: SUPPORT_ADDRESS, password: MAILBOX_PASSWORD }] });
    cleanups.push(() => dovecot.stop());
    const sink = await startSmtpSink(options.sinkOptions);
    cleanups.push(() => sink.stop());

    const system = await launchServices({
      logDir,
      env: {
        NODE_ENV: 'development',
        LOG_LEVEL: 'info',
        DATABASE_URL: database.url,
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: queuePrefix,
        SMTP_HOST: sink.host,
        SMTP_PORT: String(sink.port),
        SMTP_SECURITY: 'none',
        ...options.env,
      },
    });
    cleanups.push(() => system.stop());

    const access = options.mailbox ?? { type: 'IMAP', security: 'starttls' };
    const mailbox = await api<{ id: number }>(system.gatewayUrl, 'POST', '/api/mailboxes', {
      name: 'Helpdesk',
      type: access.type,
      host: dovecot.host,
      port: mailboxPort(dovecot, access),
      security: access.security,
      username: SUPPORT_ADDRESS,
      password: MAILBOX_PASSWORD,
      trustedCaPem: dovecot.caCertPem,
    });
    const support = await api<{ id: number }>(system.gatewayUrl, 'POST', '/api/ticket-types', {
      task: 'Simple Storage',
      name: 'Support',
      description: 'Questions and enquiries',
      emailTo: SUPPORT_ADDRESS,
      workflowTag: 'Support',
      mailboxId: mailbox.id,
      emailForward: SUPPORT_FORWARD,
      adminEmail: SUPPORT_ADMIN,
      active: true,
    });
    const redmine = await api<{ id: number }>(system.gatewayUrl, 'POST', '/api/ticket-types', {
      task: 'Simple Storage',
      name: 'Redmine',
      description: 'Issue tracker mail',
      emailTo: REDMINE_ADDRESS,
      workflowTag: 'Redmine',
      mailboxId: mailbox.id,
      adminEmail: REDMINE_ADMIN,
      active: true,
    });

    const pg = new Client({ connectionString: database.url });
    await pg.connect();
    cleanups.push(() => pg.end());

    const imapClient = (): ImapFlow =>
      new ImapFlow({
        host: dovecot.host,
        port: dovecot.imapsPort,
        secure: true,
        tls: { ca: [dovecot.caCertPem] },
        auth: { user: SUPPORT_ADDRESS, pass: MAILBOX_PASSWORD },
        logger: false,
      });

    const query = async <T extends Record<string, unknown>>(
      sql: string,
      params: unknown[] = [],
    ): Promise<T[]> => (await pg.query(sql, params)).rows as T[];

    const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline)
          throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what} (logs: ${logDir})`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };

    return {
      database,
      dovecot,
      sink,
      system,
      queuePrefix,
      mailboxId: mailbox.id,
      typeIds: { support: support.id, redmine: redmine.id },
      logDir,
      appendMessages: async (messages) => {
        const client = imapClient();
        await client.connect();
        try {
          for (const message of messages) await client.append('INBOX', message);
        } finally {
          await client.logout();
        }
      },
      inboxCount: async () => {
        const client = imapClient();
        await client.connect();
        try {
          const status = await client.status('INBOX', { messages: true });
          if (!status) throw new Error('IMAP STATUS INBOX failed');
          return status.messages ?? 0;
        } finally {
          await client.logout();
        }
      },
      fetchNow: async () => {
        await api(system.gatewayUrl, 'POST', `/api/mailboxes/${mailbox.id}/fetch-now`);
      },
      query,
      waitFor,
      waitUntilSettled: async (expectedCaptured, timeoutMs) => {
        await waitFor(
          `${expectedCaptured} messages captured and processed, every email row sent or failed`,
          async () => {
            const [row] = await query<{ captured: string; pending: string; unsent: string }>(
              `select (select count(*) from inbound_message) as captured,
                      (select count(*) from inbound_message where state = 'captured') as pending,
                      (select count(*) from email_queue where status in ('queued', 'sending')) as unsent`,
            );
            return (
              Number(row.captured) >= expectedCaptured &&
              Number(row.pending) === 0 &&
              Number(row.unsent) === 0
            );
          },
          timeoutMs,
        );
      },
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
