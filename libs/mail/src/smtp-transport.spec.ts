import { startSmtpSink, type SmtpSink } from '@twe/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createSmtpTransport, smtpPoolOptions, type SmtpSettings } from './smtp-transport';

const base: SmtpSettings = {
  SMTP_HOST: 'smtp.example.com',
  SMTP_PORT: 587,
  SMTP_SECURITY: 'starttls',
  SMTP_USER: undefined,
  SMTP_PASSWORD: undefined,
  SMTP_POOL_SIZE: 3,
  SMTP_TLS_REJECT_UNAUTHORIZED: true,
};

describe('smtpPoolOptions', () => {
  it.each([
    ['tls', { secure: true, requireTLS: false, ignoreTLS: false }],
    ['starttls', { secure: false, requireTLS: true, ignoreTLS: false }],
    ['none', { secure: false, requireTLS: false, ignoreTLS: true }],
  ] as const)('maps SMTP_SECURITY=%s', (security, expected) => {
    expect(smtpPoolOptions({ ...base, SMTP_SECURITY: security })).toMatchObject(expected);
  });

  it('pools SMTP_POOL_SIZE connections, checks certificates as configured, logs nothing', () => {
    const options = smtpPoolOptions({ ...base, SMTP_TLS_REJECT_UNAUTHORIZED: false });
    expect(options).toMatchObject({
      pool: true,
      host: 'smtp.example.com',
      port: 587,
      maxConnections: 3,
      tls: { rejectUnauthorized: false },
      logger: false,
      debug: false,
    });
    expect(options.auth).toBeUndefined();
    expect(smtpPoolOptions({ ...base, SMTP_USER: 'mailer', SMTP_PASSWORD: 'pw' }).auth).toEqual({
      user: 'mailer',
      pass: 'pw',
    });
  });
});

describe('createSmtpTransport', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.stop();
  });

  it('sends through a pooled, authenticated connection with our Message-ID', async () => {
    const transport = createSmtpTransport({
      ...base,
      SMTP_HOST: sink.host,
      SMTP_PORT: sink.port,
      SMTP_SECURITY: 'none',
      SMTP_USER: 'mailer',
      SMTP_PASSWORD: 'secret',
    });
    try {
      await Promise.all(
        [1, 2, 3, 4].map((n) =>
          transport.sendMail({
            from: 'helpdesk@example.com',
            to: `user${n}@example.com`,
            subject: `hello ${n}`,
            text: 'body',
            messageId: `<test-${n}@twe.test>`,
          }),
        ),
      );
    } finally {
      transport.close();
    }
    const received = await sink.waitForCount(4, 5_000);
    expect(received.map((mail) => mail.parsed.messageId).sort()).toEqual([
      '<test-1@twe.test>',
      '<test-2@twe.test>',
      '<test-3@twe.test>',
      '<test-4@twe.test>',
    ]);
  });
});
