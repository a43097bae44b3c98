/**
 * Realistic bounce-mailbox messages for tests: an RFC 3464 delivery status notification as Postfix
 * writes it (multipart/report with a human part, message/delivery-status and the original's headers)
 * and an RFC 3834 out-of-office reply. CRLF line endings, as they arrive over IMAP.
 */
export interface DsnOptions {
  /** Where the DSN is delivered: our VERP return path, or the bounce type's address. */
  to: string;
  /** The failed recipient(s) with their status and the remote server's answer. */
  failures: Array<{ recipient: string; status: string; diagnostic: string }>;
  reportingMta?: string;
  /** Headers of the original message as quoted in the text/rfc822-headers part; none: nothing quoted. */
  original?: { messageId: string; subject: string; from: string; to: string; extraHeaders?: string[] };
  /** Distinguishes otherwise equal DSNs (Message-ID of the DSN itself). */
  id: string;
}

export function buildDeliveryStatusNotification(options: DsnOptions): Buffer {
  const mta = options.reportingMta ?? 'mx1.recipient.example.net';
  const boundary = `${options.id}.1733300000/${mta}`;
  const perRecipient = options.failures
    .map((failure) =>
      [
        `Final-Recipient: rfc822; ${failure.recipient}`,
        `Original-Recipient: rfc822;${failure.recipient}`,
        'Action: failed',
        `Status: ${failure.status}`,
        `Remote-MTA: dns; ${mta}`,
        `Diagnostic-Code: smtp; ${failure.diagnostic}`,
      ].join('\r\n'),
    )
    .join('\r\n\r\n');
  const lines = [
    'Return-Path: <>',
    `Delivered-To: ${options.to}`,
    `X-Original-To: ${options.to}`,
    `Received: by ${mta} (Postfix) id 4XyZ${options.id}; Wed,  4 Dec 2026 07:10:02 +0000 (UTC)`,
    'Date: Wed,  4 Dec 2026 07:10:02 +0000 (UTC)',
    `From: MAILER-DAEMON@${mta} (Mail Delivery System)`,
    'Subject: Undelivered Mail Returned to Sender',
    `To: ${options.to}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;`,
    `\tboundary="${boundary}"`,
    'Content-Transfer-Encoding: 7bit',
    `Message-Id: <dsn-${options.id}@${mta}>`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `This is the mail system at host ${mta}.`,
    '',
    "I'm sorry to have to inform you that your message could not",
    "be delivered to one or more recipients. It's attached below.",
    '',
    ...options.failures.map((failure) => `<${failure.recipient}>: host ${mta} said: ${failure.diagnostic}`),
    '',
    `--${boundary}`,
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${mta}`,
    `X-Postfix-Queue-ID: 4XyZ${options.id}`,
    'Arrival-Date: Wed,  4 Dec 2026 07:10:01 +0000 (UTC)',
    '',
    perRecipient,
    '',
  ];
  if (options.original) {
    lines.push(
      `--${boundary}`,
      'Content-Description: Undelivered Message Headers',
      'Content-Type: text/rfc822-headers',
      '',
      'Received: from helpdesk.example.com (helpdesk.example.com [192.0.2.10])',
      `\tby ${mta} (Postfix) with ESMTPS id 4XyZ${options.id}; Wed,  4 Dec 2026 07:10:01 +0000 (UTC)`,
      `From: ${options.original.from}`,
      `To: ${options.original.to}`,
      `Subject: ${options.original.subject}`,
      `Message-ID: ${options.original.messageId}`,
      'Auto-Submitted: auto-generated',
      ...(options.original.extraHeaders ?? []),
      'MIME-Version: 1.0',
      '',
    );
  }
  lines.push(`--${boundary}--`, '');
  return Buffer.from(lines.join('\r\n'));
}

export interface AutoReplyOptions {
  from: string;
  to: string;
  subject: string;
  id: string;
}

/** An Exchange-style out-of-office answer (RFC 3834 Auto-Submitted: auto-replied). */
export function buildAutoReply(options: AutoReplyOptions): Buffer {
  return Buffer.from(
    [
      `Delivered-To: ${options.to}`,
      `From: ${options.from}`,
      `To: ${options.to}`,
      `Subject: Automatic reply: ${options.subject}`,
      'Date: Wed, 4 Dec 2026 07:20:00 +0000',
      `Message-ID: <auto-${options.id}@mail.example.net>`,
      'Auto-Submitted: auto-replied',
      'X-Auto-Response-Suppress: All',
      'Content-Type: text/plain; charset="us-ascii"',
      'MIME-Version: 1.0',
      '',
      'I am out of the office until Monday and will answer your message then.',
      '',
    ].join('\r\n'),
  );
}
