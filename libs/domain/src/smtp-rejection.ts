import type { BounceReason } from './bounce/bounce-verdict';

export interface SmtpRejectionVerdict {
  /** Enhanced status code from the reply text (e.g. `5.1.1`), or null. */
  status: string | null;
  replyCode: string | null;
  reason: BounceReason;
  hardBounce: boolean;
  /** The reply, one line. */
  diagnostic: string;
}

// A first cut for synchronous rejections (our relay refusing a recipient at RCPT TO). The bounce
// parser's full status/text tables supersede this when they land in libs/domain.
const BY_STATUS: ReadonlyArray<[RegExp, BounceReason]> = [
  [/^5\.1\.[0136]$/u, 'userunknown'],
  [/^5\.1\.2$/u, 'hostunknown'],
  [/^[45]\.2\.2$/u, 'mailboxfull'],
  [/^[45]\.[23]\.4$|^5\.2\.3$/u, 'mesgtoobig'],
  [/^5\.7\.1$/u, 'blocked'],
  [/^5\.7\./u, 'policyviolation'],
  [/^4\.4\.7$/u, 'expired'],
];
const BY_TEXT: ReadonlyArray<[RegExp, BounceReason]> = [
  [
    /user unknown|unknown user|no such (user|mailbox)|mailbox unavailable|does not exist|recipient rejected/iu,
    'userunknown',
  ],
  [/host (not found|unknown)|domain (not found|does not exist)/iu, 'hostunknown'],
  [/mailbox (is )?full|over ?quota|quota exceeded/iu, 'mailboxfull'],
];
const HARD: ReadonlySet<BounceReason> = new Set(['userunknown', 'hostunknown', 'hasmoved']);

/** Reads an SMTP reply (`550 5.1.1 <x@y>: Recipient address rejected`) as a bounce verdict. */
export function classifySmtpRejection(response: string, responseCode?: number | null): SmtpRejectionVerdict {
  const diagnostic = response.replace(/\s+/gu, ' ').trim();
  const replyCode =
    responseCode != null ? String(responseCode) : (/^([245]\d\d)\b/u.exec(diagnostic)?.[1] ?? null);
  const status = /(?:^|\s)([245]\.\d{1,3}\.\d{1,3})(?=\s|$)/u.exec(diagnostic)?.[1] ?? null;
  const reason =
    (status !== null ? BY_STATUS.find(([pattern]) => pattern.test(status))?.[1] : undefined) ??
    BY_TEXT.find(([pattern]) => pattern.test(diagnostic))?.[1] ??
    'undefined';
  // A 4xx is never final for the address, whatever the words say.
  const permanent = (status ?? replyCode ?? '').startsWith('5');
  return { status, replyCode, reason, hardBounce: permanent && HARD.has(reason), diagnostic };
}
