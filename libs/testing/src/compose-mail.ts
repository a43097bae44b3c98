/** What a test message says; everything else gets a plain default. */
export interface ComposeOptions {
  from: string;
  to: string;
  cc?: string;
  subject: string;
  messageId: string;
  inReplyTo?: string;
  references?: string;
  /** Extra header lines, e.g. `['Auto-Submitted: auto-replied']`. */
  headers?: string[];
  text?: string;
}

/**
 * A small RFC 5322 message for scenario tests (reply-all storms, out-of-office answers, copied
 * tags): the threading headers are what matter, so the body is one text part.
 */
export function composeMail(options: ComposeOptions): Buffer {
  const lines = [
    `From: ${options.from}`,
    `To: ${options.to}`,
    ...(options.cc ? [`Cc: ${options.cc}`] : []),
    `Subject: ${options.subject}`,
    `Message-ID: ${options.messageId}`,
    ...(options.inReplyTo ? [`In-Reply-To: ${options.inReplyTo}`] : []),
    ...(options.references ? [`References: ${options.references}`] : []),
    'Date: Fri, 04 Dec 2026 08:00:00 +0000',
    ...(options.headers ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    options.text ?? `Message ${options.messageId}`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}
