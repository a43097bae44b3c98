import { z } from 'zod';

/**
 * The one environment schema. Each app picks the parts it needs with `loadConfig(schema)`;
 * defaults are the local development values, so `npm run demo` works without an .env file.
 */
const port = z.coerce.number().int().min(1).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** A network timeout: at least 100 ms, at most 10 minutes. */
const timeoutMs = z.coerce.number().int().min(100).max(600_000);

export const nodeEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const databaseEnvSchema = z.object({
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/twe'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).default(10),
});

export const redisEnvSchema = z.object({
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix: lets several installations (or test runs) share one Redis. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .default('twe'),
});

export const secretEnvSchema = z.object({
  /** 32 bytes, base64: encrypts mailbox secrets at rest. Required outside development and test. */
  TWE_SECRET_KEY: z.string().optional(),
});

export const httpEnvSchema = z.object({
  /** Port of the service's HTTP listener (API on the gateway; /health and /metrics on workers). */
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
});

export const fetchEnvSchema = z.object({
  FETCH_MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(25 * 1024 * 1024),
  FETCH_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  FETCH_DEFAULT_INTERVAL_SECONDS: z.coerce.number().int().min(5).default(600),
  /** How often the fetcher re-reads mailboxes and the task setting to bring the job schedulers in line. */
  FETCH_RECONCILE_SECONDS: z.coerce.number().int().min(1).default(15),
  /**
   * "Test connection" budget: the fetcher gives connect, greeting and the login + STATUS silence a
   * third each; the gateway waits this long plus 5 s for the answer before saying no fetcher answered.
   */
  MAILBOX_TEST_TIMEOUT_MS: z.coerce.number().int().min(300).default(30_000),
  /**
   * Time budget of one mailbox fetch: once spent, the fetch stops cleanly after the batch in hand
   * (captured, deleted, enqueued), records "stopped-after-budget" on the mailbox, and the next run
   * continues. Checked between batches, so every run moves at least one batch.
   */
  FETCH_BUDGET_MS: z.coerce
    .number()
    .int()
    .min(1)
    .default(5 * 60_000),
  // Bounds of every wait of a fetch (see ImapTimeouts in @twe/mail). The fetch worker's job lock is
  // derived from the slowest of them, so raising one cannot let a wait outlive the lock.
  FETCH_CONNECT_TIMEOUT_MS: timeoutMs.default(15_000),
  FETCH_GREETING_TIMEOUT_MS: timeoutMs.default(15_000),
  FETCH_LOGIN_TIMEOUT_MS: timeoutMs.default(30_000),
  FETCH_SOCKET_TIMEOUT_MS: timeoutMs.default(60_000),
  FETCH_COMMAND_TIMEOUT_MS: timeoutMs.default(120_000),
  FETCH_MESSAGE_TIMEOUT_MS: timeoutMs.default(120_000),
});

export const smtpEnvSchema = z.object({
  SMTP_HOST: z.string().default('127.0.0.1'),
  SMTP_PORT: port.default(2525),
  /** `tls` = implicit TLS (465), `starttls` = upgrade required, `none` = plain (local sinks only). */
  SMTP_SECURITY: z.enum(['tls', 'starttls', 'none']).default('none'),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(50).default(5),
  SMTP_TLS_REJECT_UNAUTHORIZED: bool.default(true),
  MAIL_FROM: z.string().default('Ticket Workflow Engine <helpdesk@example.com>'),
  /** Domain used for the Message-IDs we generate. */
  MESSAGE_ID_DOMAIN: z.string().default('twe.example.com'),
});

export const notificationEnvSchema = z.object({
  /**
   * At most this many notifications per sender address per hour; later messages are still logged on
   * their tickets, with the suppression noted. One misbehaving robot cannot flood the admins.
   * 0 disables notifications for everyone (logging goes on).
   */
  NOTIFICATION_CAP_PER_SENDER_PER_HOUR: z.coerce.number().int().min(0).default(10),
});

export const oauthEnvSchema = z.object({
  /**
   * Microsoft identity platform host the token service talks to. Tests and national clouds point it
   * elsewhere (https only: msal refuses an http authority).
   */
  MICROSOFT_AUTHORITY_HOST: z.string().url().default('https://login.microsoftonline.com'),
  /** PEM file of a CA to trust for the authority host only (a self-hosted or test identity provider). */
  MICROSOFT_AUTHORITY_CA_FILE: z.string().optional(),
  /** Bound on every call to the identity provider: a refresh holds the mailbox's token lock meanwhile. */
  OAUTH_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
});

export const appEnvSchema = nodeEnvSchema
  .extend(databaseEnvSchema.shape)
  .extend(redisEnvSchema.shape)
  .extend(secretEnvSchema.shape)
  .extend(httpEnvSchema.shape)
  .extend(fetchEnvSchema.shape)
  .extend(smtpEnvSchema.shape)
  .extend(notificationEnvSchema.shape)
  .extend(oauthEnvSchema.shape);

export type AppConfig = z.infer<typeof appEnvSchema>;
