import type { BounceReason } from '../bounce-verdict';
import { type BounceMessage, type DecodeResult, emptyRecipient } from '../decoded-recipient';
import { excludedAddresses, recipientsInText, reportPart } from '../heuristic';
import { reasonFromTable } from './lhost-helpers';

// Exim's own messages (deliver.c, route.c, transports), lower-cased.
const MESSAGES: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['userunknown', ['user not found']],
  [
    'hostunknown',
    [
      'all host address lookups failed permanently',
      'all relevant mx records point to non-existent hosts',
      'unrouteable address',
    ],
  ],
  ['mailboxfull', ['mailbox is full', 'error: quota exceed']],
  [
    'notaccept',
    ['an mx or srv record indicated no smtp service', 'no host found for existing smtp connection'],
  ],
  [
    'syntaxerror',
    [
      'angle-brackets nested too deep',
      'expected word or "<"',
      'domain missing in source-routed address',
      'malformed address:',
    ],
  ],
  [
    'systemerror',
    [
      'delivery to file forbidden',
      'delivery to pipe forbidden',
      'local delivery failed',
      'lmtp error after ',
    ],
  ],
  ['contenterror', ['too many "received" headers']],
];
const DELAYED = [
  'retry timeout exceeded',
  'no action is required on your part',
  'retry time not reached for any host after a long failure period',
  'all hosts have been failing for a long time and were last tried',
  'delay reason: ',
  'has been frozen',
  'was frozen on arrival by ',
];
const START =
  /This message was created automatically by mail delivery software|A message that you sent (?:was rejected by the local scan+ing code|contained one or more recipient addresses|could not be delivered to all of its recipients)| has been frozen| was frozen on arrival| router encountered the following error\(s\):/;

/**
 * Exim (and clones such as MXLogic): "The following address(es) failed:" then `  addr` lines, each
 * followed by the remote answer ("SMTP error from remote mail server after RCPT TO:...").
 */
export function decodeExim(message: BounceMessage): DecodeResult | null {
  const start = message.text.search(START);
  if (start < 0) return null;
  // `  addr <real@addr>: error` (a malformed address): the bracketed one is the recipient.
  const report = reportPart(message.text.slice(start)).replace(
    /^\s*\S+@\S+ <([^>\s]+@[^>\s]+)>:/gm,
    '  <$1>:',
  );
  const recipients = recipientsInText(report, excludedAddresses(message));
  if (recipients.length === 0) {
    const failed = message.headers.find((h) => h.name === 'x-failed-recipients')?.value ?? '';
    for (const address of failed.split(/[,\s]+/).filter((a) => a.includes('@')))
      recipients.push(emptyRecipient(address.toLowerCase()));
  }
  if (recipients.length === 0) return null;
  for (const r of recipients) {
    const text = (r.diagnostic ?? '').toLowerCase();
    if (r.command === 'EHLO' || r.command === 'HELO') r.presetReason = 'blocked';
    else if (r.command === 'MAIL') r.presetReason = 'onhold';
    else {
      r.presetReason =
        reasonFromTable(text, MESSAGES) ??
        (DELAYED.some((p) => text.includes(p))
          ? 'expired'
          : text.includes('pipe to |')
            ? 'mailererror'
            : null);
    }
  }
  return { recipients, reportingMta: null, decodedBy: 'exim' };
}
