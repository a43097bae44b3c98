import type { BounceReason } from '../bounce-verdict';
import type { BounceMessage, DecodeResult } from '../decoded-recipient';
import { excludedAddresses, recipientsInText, reportPart } from '../heuristic';
import { reasonFromTable } from './lhost-helpers';

// qmail-remote's sentences name the SMTP step that failed.
const COMMANDS: ReadonlyArray<[string, readonly string[]]> = [
  ['CONN', [' but greeting failed.']],
  ['EHLO', [' but my name was rejected.']],
  ['MAIL', [' but sender was rejected.']],
  ['RCPT', [' does not like recipient.']],
  ['DATA', [' failed on data command', ' failed after i sent the message']],
];
// qmail, qmail-ldap and notqmail wording (lower-cased), checked on the remote answer, then on all.
const MESSAGES: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['hostunknown', ["sorry, i couldn't find any host "]],
  ['mailboxfull', ['disk quota exceeded']],
  ['mesgtoobig', ['message size exceeds fixed maximum message size:']],
  [
    'networkerror',
    [
      "sorry, i wasn't able to establish an smtp connection",
      "sorry. although i'm listed as a best-preference mx or a for that host",
    ],
  ],
  ['notaccept', ["sorry, i couldn't find a mail exchanger or ip address"]],
  ['systemfull', ['requested action not taken: mailbox unavailable (not enough free space)']],
  ['userunknown', ['no mailbox here by that name']],
  ['exceedlimit', ['the message exeeded the maximum size the user accepts']],
  [
    'suspend',
    [
      'mailaddress is administrativly disabled',
      'mailaddress is administrativley disabled',
      'mailaddress is administratively disabled',
      'mailaddress is administrativeley disabled',
    ],
  ],
  [
    'systemerror',
    [
      'bad interpreter: no such file or directory',
      'system error',
      'unable to',
      'automatic homedir creator crashed',
      'illegal value in ldap attribute',
      'ldap attribute is not given but mandatory',
      'timeout while performing search on ldap server',
      'too many results returned but needs to be unique',
      'permanent error while executing qmail-forward',
      'temporary error in automatic homedir creation',
      'temporary error while executing qmail-forward',
      'temporary failure in ldap lookup',
    ],
  ],
];
const START =
  /Hi\. This is the qmail|He\/Her is not |unable to deliver your message to the following addresses|Su mensaje no pudo ser entregado|Sorry, we were unable to deliver your message to the following address|This is the machine generated message from mail service|This is the mail delivery agent at|Unable to deliver message to the following address|Unfortunately, your mail was not delivered to the following address:|Your mail message to the following address|Your message to the following addresses/i;

/**
 * qmail ("Hi. This is the qmail-send program at ...") and its clones: `<addr>:` paragraphs with
 * qmail-remote's account of the session and the remote answer after "Remote host said:".
 */
export function decodeQmail(message: BounceMessage): DecodeResult | null {
  const received = message.headers.some((h) => h.name === 'received' && h.value.includes('(qmail '));
  if (!START.test(message.text) && !(received && /^failure notice$/i.test(message.subject))) return null;
  const start = message.text.search(START);
  const report = reportPart(message.text.slice(Math.max(0, start)));
  const recipients = recipientsInText(report, excludedAddresses(message));
  if (recipients.length === 0) return null;
  for (const r of recipients) {
    const text = (r.diagnostic ?? '').toLowerCase();
    r.command = COMMANDS.find(([, phrases]) => phrases.some((p) => text.includes(p)))?.[0] ?? r.command;
    if (r.command === 'EHLO' || r.command === 'HELO') {
      r.presetReason = 'blocked';
      continue;
    }
    if (
      text.includes(' does not like recipient.') &&
      text.includes('this message has been in the queue too long.')
    ) {
      r.presetReason = 'onhold';
      continue;
    }
    const remote = /remote host said:(.*)/.exec(text)?.[1] ?? null;
    r.presetReason =
      reasonFromTable(remote, MESSAGES) ??
      reasonFromTable(text, MESSAGES) ??
      (text.includes('this message has been in the queue too long.') ? 'expired' : null);
  }
  return { recipients, reportingMta: null, decodedBy: 'qmail' };
}
