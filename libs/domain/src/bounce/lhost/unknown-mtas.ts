import {
  type BounceMessage,
  type DecodeResult,
  type DecodedRecipient,
  findAddress,
} from '../decoded-recipient';
import { headerValue } from '../mime-walker';
import { textRecipient } from './lhost-helpers';

/**
 * An unidentified MTA Sisimai calls "X1": subject "Returned Mail: ..." or "Mail Delivery Failure",
 * "The original message was received at ..." then `addr [reason]` lines under
 * "---The following addresses had delivery errors---".
 */
export function decodeX1(message: BounceMessage): DecodeResult | null {
  const from = headerValue(message.headers, 'from') ?? '';
  if (
    !/^Returned Mail: |^Mail Delivery Failure/.test(message.subject) &&
    !/"Mail Deliver[^"]*System" /.test(from)
  )
    return null;
  const at = message.text.search(/^The original message was received at /m);
  if (at < 0) return null;
  const recipients: DecodedRecipient[] = [];
  for (const line of message.text.slice(at).split(/\r?\n/)) {
    if (/^Received: from /.test(line)) break;
    const match = /^\s*(\S+@\S+) \[([^\]]*)\]/.exec(line);
    const address = match ? findAddress(match[1]) : null;
    if (address) recipients.push(textRecipient(address, match![2]!));
  }
  return recipients.length > 0 ? { recipients, reportingMta: null, decodedBy: 'x1' } : null;
}

/**
 * An unidentified MTA Sisimai calls "X3": "This is an automatically generated Delivery Status
 * Notification.", `  * addr` lines, then "Technical details:" with `SMTP:RCPT host ...: answer`.
 */
export function decodeX3(message: BounceMessage): DecodeResult | null {
  if (!/^Delivery status notification/.test(message.subject)) return null;
  if (!/^Mail Delivery System/.test(headerValue(message.headers, 'from') ?? '')) return null;
  const at = message.text.search(/This is an automatically generated Delivery Status Notification\./);
  if (at < 0) return null;
  const found: Array<{ address: string; diagnostic: string; command: string | null }> = [];
  for (const line of message.text.slice(at).split(/\r?\n/)) {
    if (/^Content-Type: message\/rfc822/i.test(line)) break;
    const star = /^\s+\* (\S+@\S+\.\S+)\s*$/.exec(line);
    const address = star ? findAddress(star[1]) : null;
    if (address) {
      found.push({ address, diagnostic: '', command: null });
      continue;
    }
    const current = found[found.length - 1];
    if (!current) continue;
    const smtp = /^SMTP:(\w+) (.*)$/.exec(line);
    if (smtp) {
      current.command = smtp[1]!.toUpperCase();
      current.diagnostic += ` ${smtp[2]}`;
    } else if (/^Routing: /.test(line)) {
      current.diagnostic += ` ${line}`;
    }
  }
  if (found.length === 0) return null;
  return {
    recipients: found.map(({ address, diagnostic, command }) => {
      // "host 192.0.2.8: 553 ..." names the host; the answer starts at the reply code.
      const answer = /[245]\d\d[\s-].*$/.exec(diagnostic)?.[0] ?? diagnostic;
      const r = textRecipient(address, answer);
      r.command = command ?? r.command;
      return r;
    }),
    reportingMta: null,
    decodedBy: 'x3',
  };
}

/**
 * An unidentified MTA Sisimai calls "X6": subject "There was an error sending your mail", then
 * `SMTP Server <host> rejected recipient <addr> (Error following RCPT command). It responded as
 * follows: [550 5.1.1 User unknown]`.
 */
export function decodeX6(message: BounceMessage): DecodeResult | null {
  if (!message.subject.startsWith('There was an error sending your mail')) return null;
  const recipients: DecodedRecipient[] = [];
  const pattern = /^SMTP Server <([^>]+)> rejected recipient <([^>]+)>([\s\S]*?)(?:\n\s*\n|$)/gm;
  for (const match of message.text.matchAll(pattern)) {
    const address = findAddress(match[2]);
    if (!address) continue;
    const rest = match[3]!.replace(/\s+/g, ' ');
    const r = textRecipient(address, /\[([245]\d\d [^\]]*)\]/.exec(rest)?.[1] ?? rest);
    r.command = /following (RCPT|MAIL|DATA)/i.exec(rest)?.[1]?.toUpperCase() ?? r.command;
    r.remoteMta = match[1]!.toLowerCase();
    recipients.push(r);
  }
  return recipients.length > 0 ? { recipients, reportingMta: null, decodedBy: 'x6' } : null;
}
