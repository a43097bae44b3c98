import type { BounceReason } from '../bounce-verdict';
import { type BounceMessage, type DecodeResult, emptyRecipient } from '../decoded-recipient';
import { excludedAddresses, recipientsInText, reportPart } from '../heuristic';
import { reasonFromTable } from './lhost-helpers';

// qmail / qmail-ldap / vpopmail wording that names the failure exactly.
const QMAIL_MESSAGES: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['notaccept', ["couldn't find a mail exchanger or ip address"]],
  ['hostunknown', ["sorry, i couldn't find any host named", "sorry, i couldn't find any host by that name"]],
  [
    'systemerror',
    [
      'unable to contact ldap server',
      'ldap server unavailable',
      'temporary failure in ldap lookup',
      'unable to chdir to maildir',
    ],
  ],
  ['userunknown', ['sorry, no mailbox here by that name', 'this address no longer accepts mail']],
  ['mailboxfull', ['mailbox is full', 'user is over quota', 'quota exceeded']],
  ['rejected', ['sender was rejected']],
  ['networkerror', ['unable to connect to', "sorry, i wasn't able to establish an smtp connection"]],
];
// Exim's own words for what it refused before talking to anyone.
const EXIM_MESSAGES: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['syntaxerror', ['malformed address:', 'incorrectly constructed']],
  ['hostunknown', ['unrouteable address', 'all relevant mx records point to non-existent hosts']],
  ['userunknown', ['unknown user', 'no such user']],
  ['mailboxfull', ['mailbox is full', 'error in appendfile', 'quota exceeded']],
  ['expired', ['retry timeout exceeded', 'retry time not reached for any host']],
  ['networkerror', ['too many "received" headers']],
];

/**
 * qmail ("Hi. This is the qmail-send program") and Exim ("This message was created automatically
 * by mail delivery software"): `<addr>:` / `  addr` paragraphs followed by the error. qmail's
 * status code sits in `(#5.1.1)`; its own words decide only when the remote host said nothing
 * more specific (a `Remote host said:` answer goes to the generic tables).
 */
export function decodeQmailExim(message: BounceMessage): DecodeResult | null {
  const isQmail =
    /This is the qmail-send program|qmail-send|I'm afraid I wasn't able to deliver your message/i.test(
      message.text,
    );
  const isExim =
    /created automatically by mail delivery software|could not be delivered to one or more of its/i.test(
      message.text,
    ) || /^Mail (?:delivery failed|failure)/i.test(message.subject);
  if (!isQmail && !isExim) return null;
  let report = reportPart(message.text);
  report = report.replace(/^\s*(\S+@\S+) <([^>\s]+@[^>\s]+)>:/gm, '  <$2>:');
  const recipients = recipientsInText(report, excludedAddresses(message));
  const failed = (message.headers.find((h) => h.name === 'x-failed-recipients')?.value ?? '')
    .split(/[,\s]+/)
    .filter((a) => a.includes('@'))
    .map((a) => a.toLowerCase());
  if (recipients.length === 0 && failed.length > 0) recipients.push(...failed.map((a) => emptyRecipient(a)));
  if (recipients.length === 0) return null;
  for (const r of recipients) {
    const remote = /Remote host said:/i.test(r.diagnostic ?? '');
    if (!remote) r.presetReason ??= reasonFromTable(r.diagnostic, isQmail ? QMAIL_MESSAGES : EXIM_MESSAGES);
  }
  return { recipients, reportingMta: null, decodedBy: isQmail ? 'qmail' : 'exim' };
}
