import type { BounceReason } from '../bounce-verdict';
import {
  type BounceMessage,
  type DecodeResult,
  type DecodedRecipient,
  findAddress,
} from '../decoded-recipient';
import { head, reasonFromTable, textRecipient, upTo } from './lhost-helpers';

// Older on-premises servers and filters whose text notices have no DSN part.

const IMAIL: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['hostunknown', ['unknown host']],
  ['userunknown', ['unknown user', 'invalid final delivery userid']],
  ['mailboxfull', ['user mailbox exceeds allowed size']],
  ['virusdetected', ['requested action not taken: virus detected']],
  ['spamdetected', ['blacklisted url in message']],
  ['expired', ['delivery failed ']],
];

/** Ipswitch/Progress IMail Server: `Unknown user: addr` lines, the answer under "Body of message generated response:". */
export function decodeIMailServer(message: BounceMessage): DecodeResult | null {
  if (!/^Undeliverable Mail\b/.test(message.subject) && !head(message, 'x-mailer').startsWith('<SMTP32 v'))
    return null;
  const found: Array<{ address: string; line: string }> = [];
  let response = '';
  for (const raw of upTo(message.text, /^Original message follows\./m).split(/\r?\n/)) {
    const line = raw.trim();
    const address = findAddress(line);
    if (address && (/^[^:@]{8,}: \S+@/.test(line) || /^undeliverable /i.test(line))) {
      found.push({ address, line });
    } else if (line.includes('Body of message generated response:')) {
      response = line;
    } else if (response && line) {
      response += ` ${line}`;
    }
  }
  if (found.length === 0) return null;
  return {
    recipients: found.map(({ address, line }) => {
      const diagnostic = `${response} ${line}`.trim();
      return textRecipient(address, diagnostic, reasonFromTable(diagnostic, IMAIL));
    }),
    reportingMta: null,
    decodedBy: 'imailserver',
  };
}

/** MailFoundry: "Unable to deliver message to: <addr>" / "Delivery failed for the following reason:" / answer. */
export function decodeMailFoundry(message: BounceMessage): DecodeResult | null {
  if (message.subject !== 'Message delivery has failed') return null;
  if (!message.headers.some((h) => h.name === 'received' && h.value.includes('(MAILFOUNDRY) id')))
    return null;
  const recipients: DecodedRecipient[] = [];
  const pattern =
    /^Unable to deliver message to: <([^>]+)>\s*\n(?:Delivery failed for the following reason:\s*\n)?([\s\S]*?)(?:\n\s*\n|$)/gm;
  for (const match of message.text.matchAll(pattern)) {
    const address = findAddress(match[1]);
    if (address) recipients.push(textRecipient(address, match[2]!));
  }
  return recipients.length > 0 ? { recipients, reportingMta: null, decodedBy: 'mailfoundry' } : null;
}

/** TransWARE/QUALITIA Active!hunter (`X-AHMailID`): `>>> addr <addr>` and the answer under the transcript banner. */
export function decodeActivehunter(message: BounceMessage): DecodeResult | null {
  if (!head(message, 'x-ahmailid')) return null;
  const lines = message.text.split(/\r?\n/);
  const at = lines.findIndex((l) =>
    l.includes('----- The following addresses had permanent fatal errors -----'),
  );
  if (at < 0) return null;
  const addresses: string[] = [];
  let answer: string | null = null;
  for (const line of lines.slice(at + 1)) {
    if (/^Content-Type: message\/rfc822/i.test(line)) break;
    const rcpt = /^>>> (\S+@\S+)/.exec(line);
    if (rcpt) {
      const address = findAddress(rcpt[1]);
      if (address) addresses.push(address);
    } else if (answer === null && /^[0-9A-Za-z]/.test(line)) {
      answer = line.trim();
    }
  }
  if (addresses.length === 0) return null;
  return {
    recipients: addresses.map((a) => textRecipient(a, answer)),
    reportingMta: null,
    decodedBy: 'activehunter',
  };
}

/**
 * Smail 3 and Deutsche Telekom's (T-Online) fork of it: "|---- Failed addresses follow: ----|",
 * then ` <addr>` with the answer on the next line, or ` addr ... failed: reason`.
 */
export function decodeSmail(message: BounceMessage): DecodeResult | null {
  if (!message.text.includes(' Failed addresses follow: ')) return null;
  const lines = message.text.split(/\r?\n/);
  const at = lines.findIndex((l) => /^\|-+ Failed addresses follow: -+\|/.test(l));
  if (at < 0) return null;
  const found: Array<{ address: string; said: string[] }> = [];
  for (const line of lines.slice(at + 1)) {
    if (/^\|-+ Message (?:header|text|body) follows/.test(line)) break;
    if (line.trim() === '') continue;
    const angled = /^ <([^<>\s]+@[^<>\s]+)>\s*$/.exec(line);
    const dotted = /^ (\S+@\S+\.\S+) \.\.\. (.*)$/.exec(line);
    const address = findAddress(angled?.[1] ?? dotted?.[1]);
    if (address) found.push({ address, said: dotted ? [dotted[2]!.replace(/^failed:\s*/, '')] : [] });
    else if (found.length > 0) found[found.length - 1]!.said.push(line.trim());
  }
  if (found.length === 0) return null;
  return {
    recipients: found.map(({ address, said }) => textRecipient(address, said.join(' '))),
    reportingMta: null,
    decodedBy: 'smail',
  };
}
