import type { BounceReason } from '../bounce-verdict';
import {
  type BounceMessage,
  type DecodeResult,
  type DecodedRecipient,
  findAddress,
} from '../decoded-recipient';
import { headerValue } from '../mime-walker';
import { reasonFromTable, textRecipient } from './lhost-helpers';

/** Lines from the first one matching `start` (exclusive) to the first matching `end` (exclusive). */
function section(text: string, start: RegExp, end?: RegExp): string[] | null {
  const lines = text.split(/\r?\n/);
  const at = lines.findIndex((l) => start.test(l));
  if (at < 0) return null;
  const rest = lines.slice(at + 1);
  const stop = end ? rest.findIndex((l) => end.test(l)) : -1;
  return stop >= 0 ? rest.slice(0, stop) : rest;
}

/**
 * Zoho Mail (marked by an `X-ZohoMail` header): `addr Invalid Address, ERROR_CODE :550, ERROR_CODE
 * :5.1.1 ...` or `[Status: Error, Address: <addr>, ResponseCode 421, , Host not reachable.]`.
 */
export function decodeZoho(message: BounceMessage): DecodeResult | null {
  if (headerValue(message.headers, 'x-zohomail') === null) return null;
  const lines = section(
    message.text,
    /^This message was created automatically by mail delivery/,
    /^Received:|^-{3,}/,
  );
  if (!lines) return null;
  const found: Array<{ address: string; text: string }> = [];
  for (const line of lines.map((l) => l.trim()).filter((l) => l !== '')) {
    const opens = /@\S* .*ERROR_CODE :/.test(line) || line.startsWith('[Status: ');
    const address = opens ? findAddress(line) : null;
    if (address) found.push({ address, text: line });
    else if (found.length > 0) found[found.length - 1]!.text += ` ${line}`;
  }
  if (found.length === 0) return null;
  return {
    recipients: found.map(({ address, text }) =>
      textRecipient(address, text, /host not reachable/i.test(text) ? 'expired' : null),
    ),
    reportingMta: null,
    decodedBy: 'zoho',
  };
}

/**
 * SendGrid's text notice ("This is an automatically generated message from SendGrid."):
 * `name:id:<addr> : 192.0.2.1 : 550 5.1.1 answer`.
 */
export function decodeSendGrid(message: BounceMessage): DecodeResult | null {
  if (!/automatically generated message from SendGrid/i.test(message.text)) return null;
  const recipients: DecodedRecipient[] = [];
  for (const match of message.text.matchAll(/^\S*<([^<>\s]+@[^<>\s]+)>\s*:\s*[0-9a-f.:]+\s*:\s*(.+)$/gim)) {
    const address = findAddress(match[1]);
    if (address && !recipients.some((r) => r.recipient === address))
      recipients.push(textRecipient(address, match[2]!));
  }
  return recipients.length > 0 ? { recipients, reportingMta: null, decodedBy: 'sendgrid' } : null;
}

const MESSAGING_SERVER: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['hostunknown', ['illegal host/domain name found']],
];

/**
 * Sun Java System / Oracle Communications Messaging Server text part: "Your message cannot be
 * delivered to the following recipients:" then `Recipient address:`, `Reason:`, `Diagnostic code:`
 * and `Remote system:` lines per recipient.
 */
export function decodeMessagingServer(message: BounceMessage): DecodeResult | null {
  if (!/cannot be delivered to the following recipients/i.test(message.text)) return null;
  const lines = section(
    message.text,
    /^\s*Your message cannot be delivered to the following recipients/i,
    /^\s*(?:Content-type: message\/rfc822|Return-path:|Received:)/i,
  );
  if (!lines) return null;
  const found: Array<{ address: string; reason: string; code: string; remote: string | null }> = [];
  for (const line of lines) {
    const field = /^\s*(Recipient address|Reason|Diagnostic code|Remote system):\s*(.*)$/i.exec(line);
    if (!field) continue;
    const name = field[1]!.toLowerCase();
    const value = field[2]!.trim();
    if (name === 'recipient address') {
      const address = findAddress(value);
      if (address) found.push({ address, reason: '', code: '', remote: null });
      continue;
    }
    const current = found[found.length - 1];
    if (!current) continue;
    if (name === 'reason') current.reason = value;
    else if (name === 'diagnostic code') current.code = value.replace(/^[A-Za-z-]+;\s*/, '');
    else current.remote = /^dns;\s*([A-Za-z0-9.-]+)/i.exec(value)?.[1]?.toLowerCase() ?? null;
  }
  if (found.length === 0) return null;
  return {
    recipients: found.map(({ address, reason, code, remote }) => {
      const r = textRecipient(address, code || reason, reasonFromTable(reason, MESSAGING_SERVER));
      r.remoteMta = remote;
      return r;
    }),
    reportingMta: null,
    decodedBy: 'messagingserver',
  };
}

/**
 * 1&1 / IONOS (Exim-based, own wording): the address on its own line (or `addr:`), then either
 * "For the following reason:" and the text, or "SMTP error from remote server for TEXT command,
 * host: ... reason: 550 ...". "TEXT command" is their name for the message body, i.e. DATA.
 */
export function decodeEinsUndEins(message: BounceMessage): DecodeResult | null {
  if (!/^"?Mail Delivery System"?/.test(headerValue(message.headers, 'from') ?? '')) return null;
  if (message.subject !== 'Mail delivery failed: returning message to sender') return null;
  if (!/^For the following reason:|SMTP error from remote server for /m.test(message.text)) return null;
  const lines = section(
    message.text,
    /^This message was created automatically by mail delivery software/,
    /^--- The header of the original message is following\. ---/,
  );
  if (!lines) return null;
  const found: Array<{ address: string; said: string[] }> = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    const address = /^\S+@\S+\.\S+?:?$/.test(line) ? findAddress(line.replace(/:$/, '')) : null;
    if (address) found.push({ address, said: [] });
    else if (found.length > 0) found[found.length - 1]!.said.push(line);
  }
  if (found.length === 0) return null;
  return {
    recipients: found.map(({ address, said }) => {
      const text = said.join(' ').replace(/^For the following reason:\s*/, '');
      const r = textRecipient(address, text, /mail size limit exceeded/i.test(text) ? 'mesgtoobig' : null);
      if (/ for TEXT command/.test(text)) r.command = 'DATA';
      r.remoteMta = /host: ([A-Za-z0-9.-]+\.[A-Za-z]{2,})/.exec(text)?.[1]?.toLowerCase() ?? null;
      return r;
    }),
    reportingMta: null,
    decodedBy: 'einsundeins',
  };
}
