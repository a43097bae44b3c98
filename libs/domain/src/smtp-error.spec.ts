import { describe, expect, it } from 'vitest';

import { classifySmtpError, redactCredentials } from './smtp-error';

/** An error shaped like the ones nodemailer's SMTP connection builds (see its _formatError). */
function nodemailerError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('classifySmtpError', () => {
  it.each([
    [
      'rejected recipient',
      nodemailerError(
        "Can't send mail - all recipients were rejected: 550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table",
        {
          code: 'EENVELOPE',
          response:
            '550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table',
          responseCode: 550,
          command: 'RCPT TO',
        },
      ),
      {
        kind: 'permanent',
        code: 550,
        message:
          "Can't send mail - all recipients were rejected: 550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table (EENVELOPE)",
      },
    ],
    [
      'authentication refused',
      nodemailerError('Invalid login: 535 5.7.8 Username and Password not accepted', {
        code: 'EAUTH',
        response: '535 5.7.8 Username and Password not accepted',
        responseCode: 535,
        command: 'AUTH PLAIN',
      }),
      {
        kind: 'permanent',
        code: 535,
        message: 'Invalid login: 535 5.7.8 Username and Password not accepted (EAUTH)',
      },
    ],
    [
      'spam rejection',
      nodemailerError('Message failed: 554 5.7.1 Message rejected as spam', {
        code: 'EMESSAGE',
        response: '554 5.7.1 Message rejected as spam',
        responseCode: 554,
        command: 'DATA',
      }),
      {
        kind: 'permanent',
        code: 554,
        message: 'Message failed: 554 5.7.1 Message rejected as spam (EMESSAGE)',
      },
    ],
    [
      'server busy',
      nodemailerError('Message failed: 451 4.7.500 Server busy. Please try again later.', {
        code: 'EMESSAGE',
        response: '451 4.7.500 Server busy. Please try again later.',
        responseCode: 451,
        command: 'DATA',
      }),
      {
        kind: 'transient',
        code: 451,
        message: 'Message failed: 451 4.7.500 Server busy. Please try again later. (EMESSAGE)',
      },
    ],
    [
      'greylisting',
      nodemailerError(
        "Can't send mail - all recipients were rejected: 450 4.2.0 <a@example.com>: Recipient address rejected: Greylisted",
        {
          code: 'EENVELOPE',
          response: '450 4.2.0 <a@example.com>: Recipient address rejected: Greylisted',
          responseCode: 450,
        },
      ),
      {
        kind: 'transient',
        code: 450,
        message:
          "Can't send mail - all recipients were rejected: 450 4.2.0 <a@example.com>: Recipient address rejected: Greylisted (EENVELOPE)",
      },
    ],
    [
      'service closing',
      nodemailerError(
        'Invalid greeting. response=421 4.3.2 Service not available: 421 4.3.2 Service not available',
        {
          code: 'EPROTOCOL',
          response: '421 4.3.2 Service not available',
          responseCode: 421,
          command: 'CONN',
        },
      ),
      {
        kind: 'transient',
        code: 421,
        message:
          'Invalid greeting. response=421 4.3.2 Service not available: 421 4.3.2 Service not available (EPROTOCOL)',
      },
    ],
    [
      '503 bad sequence (a new session can succeed)',
      nodemailerError('Mail command failed: 503 5.5.1 Error: send HELO/EHLO first', {
        code: 'EENVELOPE',
        response: '503 5.5.1 Error: send HELO/EHLO first',
        responseCode: 503,
      }),
      {
        kind: 'transient',
        code: 503,
        message: 'Mail command failed: 503 5.5.1 Error: send HELO/EHLO first (EENVELOPE)',
      },
    ],
    [
      'reply code only in the response text',
      { message: 'Mail command failed', response: '550 5.7.1 Relaying denied' },
      { kind: 'permanent', code: 550, message: 'Mail command failed: 550 5.7.1 Relaying denied' },
    ],
    [
      'reply code as a string',
      { message: 'Mailbox full', responseCode: '452' },
      { kind: 'transient', code: 452, message: 'Mailbox full' },
    ],
    [
      'connection refused',
      nodemailerError('connect ECONNREFUSED 127.0.0.1:587', {
        code: 'ESOCKET',
        originalCode: 'ECONNREFUSED',
        command: 'CONN',
      }),
      { kind: 'transient', message: 'connect ECONNREFUSED 127.0.0.1:587 (ESOCKET)' },
    ],
    [
      'timeout',
      nodemailerError('Connection timeout', { code: 'ETIMEDOUT', command: 'CONN' }),
      { kind: 'transient', message: 'Connection timeout (ETIMEDOUT)' },
    ],
    [
      'DNS',
      nodemailerError('getaddrinfo ENOTFOUND smtp.example.invalid', {
        code: 'EDNS',
        originalCode: 'ENOTFOUND',
        command: 'CONN',
      }),
      { kind: 'transient', message: 'getaddrinfo ENOTFOUND smtp.example.invalid (EDNS)' },
    ],
    [
      'connection closed',
      nodemailerError('Connection closed unexpectedly', { code: 'ECONNECTION', originalCode: 'ECONNRESET' }),
      { kind: 'transient', message: 'Connection closed unexpectedly (ECONNECTION, ECONNRESET)' },
    ],
    [
      'plain Node socket error',
      nodemailerError('read ECONNRESET', { code: 'ECONNRESET', errno: -104, syscall: 'read' }),
      { kind: 'transient', message: 'read ECONNRESET' },
    ],
    [
      'envelope error before any reply',
      nodemailerError('No recipients defined', { code: 'EENVELOPE', command: 'API' }),
      { kind: 'transient', message: 'No recipients defined (EENVELOPE)' },
    ],
    [
      'too many recipients',
      nodemailerError('Too many recipients', { code: 'EMAXRECIPIENTS' }),
      { kind: 'permanent', message: 'Too many recipients (EMAXRECIPIENTS)' },
    ],
    [
      'attachment from a disallowed file',
      nodemailerError('File access rejected for /etc/passwd', { code: 'EFILEACCESS' }),
      { kind: 'permanent', message: 'File access rejected for /etc/passwd (EFILEACCESS)' },
    ],
    ['unknown error', new Error('boom'), { kind: 'transient', message: 'boom' }],
    ['a thrown string', 'socket hang up', { kind: 'transient', message: 'socket hang up' }],
    ['undefined', undefined, { kind: 'transient', message: 'Unknown error while sending email' }],
    ['null', null, { kind: 'transient', message: 'Unknown error while sending email' }],
    ['a number', 42, { kind: 'transient', message: 'Unknown error while sending email' }],
    [
      'an out-of-range reply code',
      { message: 'odd', responseCode: 999 },
      { kind: 'transient', message: 'odd' },
    ],
  ])('%s', (_case, err, expected) => {
    expect(classifySmtpError(err)).toEqual(expected);
  });

  it.each([
    [
      'AUTH PLAIN echoed in the message',
      nodemailerError(
        'Invalid login: 535 5.7.8 Error: authentication failed: AUTH PLAIN AGFsaWNlAHMzY3JldC1wYXNz',
        {
          code: 'EAUTH',
          responseCode: 535,
        },
      ),
      'AGFsaWNlAHMzY3JldC1wYXNz',
    ],
    [
      'AUTH XOAUTH2 echoed in the response',
      nodemailerError('Invalid login', {
        code: 'EAUTH',
        response:
          '535 5.7.3 Unexpected AUTH XOAUTH2 dXNlcj1hbGljZUBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnNlY3JldAEB',
        responseCode: 535,
      }),
      'dXNlcj1hbGljZUBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnNlY3JldAEB',
    ],
    [
      'password in a connection URL',
      new Error('Failed to connect to smtp://alice:s3cret-pass@smtp.example.com:587'),
      's3cret-pass',
    ],
  ])('never returns credentials: %s', (_case, err, secret) => {
    const { message } = classifySmtpError(err);
    expect(message).not.toContain(secret);
    expect(message).toContain('[redacted]');
  });

  it('caps a huge server answer', () => {
    const response = `550 ${'x'.repeat(10_000)}`;
    const { message, kind } = classifySmtpError({ message: 'Message failed', response, responseCode: 550 });
    expect(kind).toBe('permanent');
    expect(message).toHaveLength(2000);
    expect(message.startsWith('Message failed: 550 xxx')).toBe(true);
  });
});

describe('redactCredentials', () => {
  it.each([
    ['C: AUTH PLAIN AGFsaWNlAHMzY3JldA==', 'C: AUTH PLAIN [redacted]'],
    ['AUTH LOGIN YWxpY2U=\r\nnext line', 'AUTH LOGIN [redacted]\r\nnext line'],
    ['AUTH dXNlcgBwYXNz', 'AUTH [redacted]'],
    ['Error during AUTH XOAUTH2', 'Error during AUTH XOAUTH2'],
    [
      'user=alice@example.com\u0001auth=Bearer ya29.a0AfH6SMBx\u0001\u0001',
      'user=alice@example.com\u0001auth=Bearer [redacted]\u0001\u0001',
    ],
    ['Authorization: Bearer eyJ0eXAiOiJKV1Qi.eyJzdWIi.sig', 'Authorization: Bearer [redacted]'],
    ['smtps://alice%40example.com:p%40ss@smtp.example.com', 'smtps://[redacted]@smtp.example.com'],
    [
      'refresh_token=0.AXoA-secret&grant_type=refresh_token',
      'refresh_token=[redacted]&grant_type=refresh_token',
    ],
    ['password: "hunter 2", user: alice', 'password: [redacted], user: alice'],
    ['535 5.7.8 Username and Password not accepted', '535 5.7.8 Username and Password not accepted'],
    ['550 5.7.1 Authentication required', '550 5.7.1 Authentication required'],
  ])('%j -> %j', (input, expected) => {
    expect(redactCredentials(input)).toBe(expected);
  });
});
