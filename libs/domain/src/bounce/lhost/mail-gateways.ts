import type { BounceReason } from '../bounce-verdict';
import {
  type BounceMessage,
  type DecodeResult,
  type DecodedRecipient,
  findAddress,
} from '../decoded-recipient';
import { head, reasonFromTable, textRecipient, upTo } from './lhost-helpers';

// Security gateways and content filters in front of a mail server, each with its own notice layout.

/** Trend Micro InterScan MSS: `Sent <<< RCPT TO:<addr>` / `Received >>> 550 answer`, or "Unable to deliver message to <addr>". */
export function decodeInterScanMss(message: BounceMessage): DecodeResult | null {
  if (
    !/^"?InterScan/i.test(head(message, 'from')) &&
    !head(message, 'content-type').includes('InterScan') &&
    !message.text.includes(' InterScan ')
  )
    return null;
  const found: Array<{ address: string; command: string | null; diagnostic: string }> = [];
  for (const raw of upTo(message.text, /^Content-Type: message\/rfc822/im).split(/\r?\n/)) {
    const line = raw.trim();
    const angled = [...line.matchAll(/<([^<>\s]+@[^<>\s]+)>/g)].pop()?.[1];
    const address = angled ? findAddress(angled) : null;
    let current = found[found.length - 1];
    if (address && (line.includes('<<< ') || line.includes('>>> ') || line.includes('Unable to deliver '))) {
      if (!current || current.address !== address) {
        current = { address, command: null, diagnostic: '' };
        found.push(current);
      }
      if (line.includes('Unable to deliver ') && !current.diagnostic) current.diagnostic = line;
    }
    if (!current) continue;
    if (line.startsWith('Sent <<< '))
      current.command = /RCPT|MAIL|DATA|EHLO|HELO/i.exec(line)?.[0]?.toUpperCase() ?? null;
    else if (line.startsWith('Received >>> ')) current.diagnostic = line.slice('Received >>> '.length);
  }
  if (found.length === 0) return null;
  return {
    recipients: found.map(({ address, command, diagnostic }) => {
      const r = textRecipient(
        address,
        diagnostic,
        /^Unable to deliver/.test(diagnostic) ? 'userunknown' : null,
      );
      r.command = command ?? r.command;
      return r;
    }),
    reportingMta: null,
    decodedBy: 'interscanmss',
  };
}

const MCAFEE: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['userunknown', ['user unknown', 'no such user', 'unknown user']],
];

/** McAfee Email Gateway (`X-NAI-Header`): "--- The following addresses had delivery problems ---" then `<addr>   (Permanent)` and the answer. */
export function decodeMcAfee(message: BounceMessage): DecodeResult | null {
  if (!/Modified by McAfee/i.test(head(message, 'x-nai-header'))) return null;
  const lines = message.text.split(/\r?\n/);
  const at = lines.findIndex((l) => /--- The following addresses had delivery problems ---/.test(l));
  if (at < 0) return null;
  const found: Array<{ address: string; lines: string[] }> = [];
  for (const line of lines.slice(at + 1)) {
    if (/^Content-Type: message\/rfc822/i.test(line)) break;
    const rcpt = /^<([^>]+@[^>]+)>\s+\((?:Permanent|Transient|Temporary)/i.exec(line);
    const address = rcpt ? findAddress(rcpt[1]) : null;
    if (address) found.push({ address, lines: [] });
    else if (found.length > 0 && line.trim() !== '')
      found[found.length - 1]!.lines.push(line.trim().replace(/^The remote server said:\s*/i, ''));
  }
  if (found.length === 0) return null;
  return {
    recipients: found.map(({ address, lines: said }) =>
      textRecipient(address, said.join(' '), reasonFromTable(said.join(' '), MCAFEE)),
    ),
    reportingMta: null,
    decodedBy: 'mcafee',
  };
}

/**
 * Mimecast ("[Postmaster] Email Delivery Failure", Message-ID on `.mimecast.lan`): `-- addr` names
 * the recipient, further `-- text` lines are the problem and the remote answer.
 */
export function decodeMimecast(message: BounceMessage): DecodeResult | null {
  if (
    !message.subject.includes('Email Delivery Failure') &&
    !/\.mimecast\.lan>\s*$/.test(head(message, 'message-id'))
  )
    return null;
  const found: Array<{ address: string; said: string[] }> = [];
  for (const line of upTo(message.text, /^Content-Type: message\/rfc822/im).split(/\r?\n/)) {
    if (!line.startsWith('-- ')) continue;
    const value = line.slice(3).trim();
    const address = !value.includes(' ') ? findAddress(value) : null;
    if (address) found.push({ address, said: [] });
    else if (found.length > 0) found[found.length - 1]!.said.push(value);
  }
  if (found.length === 0) return null;
  return {
    recipients: found.map(({ address, said }) => {
      // The last `--` line is the remote server's answer; the ones before are Mimecast's summary.
      const answer = said.find((s) => /^[245]\d\d\b|^[245]\.\d{1,3}\.\d{1,3}\b/.test(s));
      return textRecipient(address, answer ?? said.join(' '));
    }),
    reportingMta: null,
    decodedBy: 'mimecast',
  };
}

/**
 * Digital Arts m-FILTER (`X-Mailer: m-FILTER`, subject "failure notice"): a bare address line, the
 * answer under "-------server message" and the last command under "-------SMTP command".
 */
export function decodeMFilter(message: BounceMessage): DecodeResult | null {
  if (message.subject !== 'failure notice' || head(message, 'x-mailer') !== 'm-FILTER') return null;
  const found: Array<{ address: string; answer: string | null; command: string | null }> = [];
  let reading: 'answer' | 'command' | null = null;
  for (const raw of upTo(message.text, /^-------original m/m).split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === '-------server message' || line === '-------SMTP command') {
      reading = line.endsWith('message') ? 'answer' : 'command';
      continue;
    }
    const address = !line.includes(' ') ? findAddress(line) : null;
    const current = found[found.length - 1];
    if (address) found.push({ address, answer: null, command: null });
    else if (current && reading === 'answer' && current.answer === null) current.answer = line;
    else if (current && reading === 'command' && /^[A-Z]{4}\b/.test(line))
      current.command = line.split(' ')[0]!;
  }
  if (found.length === 0) return null;
  return {
    recipients: found.map(({ address, answer, command }) => {
      const r = textRecipient(address, answer);
      r.command = command ?? r.command;
      return r;
    }),
    reportingMta: null,
    decodedBy: 'mfilter',
  };
}

/**
 * Websense SurfControl (`X-SEF-Processed`): "Your message could not be sent." then, per attempt,
 * "Failed to send to identified host," and `addr: [192.0.2.5], 550 answer`.
 */
export function decodeSurfControl(message: BounceMessage): DecodeResult | null {
  if (!head(message, 'x-sef-processed') && !head(message, 'x-sef-zerohour-refid')) return null;
  if (!message.text.includes('Your message could not be sent.')) return null;
  const recipients: DecodedRecipient[] = [];
  const pattern = /^(\S+@\S+): \[[^\]]*\],\s*(.+)$/gm;
  for (const match of upTo(message.text, /^Content-Type: message\/rfc822/im).matchAll(pattern)) {
    const address = findAddress(match[1]);
    if (address && !recipients.some((r) => r.recipient === address))
      recipients.push(textRecipient(address, match[2]!));
  }
  return recipients.length > 0 ? { recipients, reportingMta: null, decodedBy: 'surfcontrol' } : null;
}
