import type { AppConfig } from '@twe/config';
import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { SMTPPoolOptions, SMTPPoolSentMessageInfo } from 'nodemailer/lib/smtp-pool';

export type SmtpSettings = Pick<
  AppConfig,
  | 'SMTP_HOST'
  | 'SMTP_PORT'
  | 'SMTP_SECURITY'
  | 'SMTP_USER'
  | 'SMTP_PASSWORD'
  | 'SMTP_POOL_SIZE'
  | 'SMTP_TLS_REJECT_UNAUTHORIZED'
>;

export type SmtpTransport = Mail<SMTPPoolSentMessageInfo, SMTPPoolOptions>;

/**
 * Timeouts of one SMTP exchange. They bound the slowest send, so the sender's job lock and its
 * "stuck in sending" threshold can be chosen above them: a dead server makes a send fail within
 * about a minute instead of holding a worker slot (and the row in `sending`) for nodemailer's
 * default of 10 minutes.
 */
export const SMTP_TIMEOUTS = {
  dnsTimeoutMs: 15_000,
  connectionTimeoutMs: 30_000,
  greetingTimeoutMs: 30_000,
  /** Inactivity on an open connection (a large DATA upload keeps resetting it). */
  socketTimeoutMs: 60_000,
} as const;

/** nodemailer pool options from the configuration (exported for tests: no connection is made). */
export function smtpPoolOptions(settings: SmtpSettings): SMTPPoolOptions & { pool: true } {
  return {
    pool: true,
    host: settings.SMTP_HOST,
    port: settings.SMTP_PORT,
    // tls: implicit TLS from the first byte (465). starttls: plain connect, then the upgrade is
    // required (fails instead of sending in clear text). none: never upgrade (local sinks only).
    secure: settings.SMTP_SECURITY === 'tls',
    requireTLS: settings.SMTP_SECURITY === 'starttls',
    ignoreTLS: settings.SMTP_SECURITY === 'none',
    auth: settings.SMTP_USER ? { user: settings.SMTP_USER, pass: settings.SMTP_PASSWORD ?? '' } : undefined,
    maxConnections: settings.SMTP_POOL_SIZE,
    maxMessages: 100,
    tls: { rejectUnauthorized: settings.SMTP_TLS_REJECT_UNAUTHORIZED },
    dnsTimeout: SMTP_TIMEOUTS.dnsTimeoutMs,
    connectionTimeout: SMTP_TIMEOUTS.connectionTimeoutMs,
    greetingTimeout: SMTP_TIMEOUTS.greetingTimeoutMs,
    socketTimeout: SMTP_TIMEOUTS.socketTimeoutMs,
    // nodemailer's logger with debug on writes the SMTP dialogue, AUTH lines (credentials) included.
    logger: false,
    debug: false,
  };
}

/**
 * A pooled SMTP transport: up to SMTP_POOL_SIZE connections reused across sends (a new TCP + TLS +
 * AUTH handshake per email would dominate the send time). Close it on shutdown (`transport.close()`).
 */
export function createSmtpTransport(settings: SmtpSettings): SmtpTransport {
  return createTransport(smtpPoolOptions(settings));
}
