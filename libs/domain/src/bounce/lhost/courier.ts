import type { BounceReason } from '../bounce-verdict';
import type { BounceMessage } from '../decoded-recipient';
import { headerValue } from '../mime-walker';

// Courier's own sentences (module.esmtp/esmtpclient.c), which its DSN puts in Diagnostic-Code
// with the type `unknown`, so the SMTP keyword pass never sees them.
const COURIER_MESSAGES: ReadonlyArray<[BounceReason, string]> = [
  ['hostunknown', 'no such domain.'],
  ['systemerror', "this domain's dns violates rfc 1035."],
  ['networkerror', 'dns lookup failed.'],
];

/** Whether a DSN comes from the Courier mail server (its From, Subject or Message-ID say so). */
export function isCourier(message: BounceMessage): boolean {
  return (
    /Courier mail server at /.test(headerValue(message.headers, 'from') ?? '') ||
    /NOTICE: mail delivery status\.|WARNING: delayed mail\./.test(message.subject) ||
    (headerValue(message.headers, 'message-id') ?? '').startsWith('<courier.')
  );
}

/** Courier's reason for its own diagnostic sentence; null when it is a remote server's answer. */
export function courierReason(diagnostic: string | null): BounceReason | null {
  const lower = (diagnostic ?? '').toLowerCase();
  return COURIER_MESSAGES.find(([, phrase]) => lower.includes(phrase))?.[0] ?? null;
}
