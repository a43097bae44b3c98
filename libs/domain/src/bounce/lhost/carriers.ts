import type { BounceReason } from '../bounce-verdict';
import {
  type BounceMessage,
  type DecodeResult,
  type DecodedRecipient,
  findAddress,
} from '../decoded-recipient';
import { reasonFromTable, textRecipient } from './lhost-helpers';

const VERIZON: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['userunknown', ['550 - requested action not taken: no such user here', 'no valid recipients']],
];

/**
 * Verizon's SMS/MMS gateways (`post_master@vtext...`, `sysadmin@...vzwpix...`): an "Error:" line,
 * and the envelope under "Message details:" (`RCPT TO: addr`) or the original's `To:`.
 */
export function decodeVerizon(message: BounceMessage): DecodeResult | null {
  if (!/^post_master@vtext\.|^sysadmin@.*\.vzwpix\./.test(message.from)) return null;
  const error = /^Error: (.*)$/m.exec(message.text)?.[1] ?? null;
  const details = message.text.split(/^(?:Original Message:|Message details:)/m)[1] ?? '';
  const address = findAddress(/^\s*(?:RCPT TO|To): *(.+)$/m.exec(details)?.[1]);
  if (!address) return null;
  return {
    recipients: [textRecipient(address, error, reasonFromTable(error, VERIZON))],
    reportingMta: null,
    decodedBy: 'verizon',
  };
}

const BIGLOBE: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['filtered', ['mail delivery failed... user unknown']],
  ['mailboxfull', ["the number of messages in recipient's mailbox exceeded the local limit."]],
];

/**
 * BIGLOBE and the Japanese cable ISPs on its platform: "----- The following addresses had delivery
 * problems -----", bare addresses, then "----- Non-delivered information -----" and the reason.
 */
export function decodeBiglobe(message: BounceMessage): DecodeResult | null {
  if (!/^Returned mail:/.test(message.subject)) return null;
  const lines = message.text.split(/\r?\n/);
  const at = lines.findIndex((l) =>
    l.startsWith('   ----- The following addresses had delivery problems -----'),
  );
  if (at < 0 || !lines.some((l) => l.includes('----- Non-delivered information -----'))) return null;
  const addresses: string[] = [];
  const said: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (/^Content-Type: message\/rfc822/i.test(line)) break;
    const address = !line.trim().includes(' ') ? findAddress(line) : null;
    if (address) addresses.push(address);
    else if (line.trim() !== '' && !line.includes('--')) said.push(line.trim());
  }
  if (addresses.length === 0) return null;
  const diagnostic = said.join(' ');
  const recipients: DecodedRecipient[] = addresses.map((a) =>
    textRecipient(a, diagnostic, reasonFromTable(diagnostic, BIGLOBE)),
  );
  return { recipients, reportingMta: null, decodedBy: 'biglobe' };
}

const EZWEB: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['expired', ['your message was not delivered within ']],
  ['mailboxfull', ['the user(s) account is temporarily over quota']],
  ['suspend', ['the user(s) account is disabled.', 'the user(s) account is temporarily limited.']],
];

/**
 * au by KDDI (EZweb) mail: subject "Mail System Error - Returned Mail", then `<addr>: answer` lines
 * or "Recipient: <addr>" with a `>>>` / `<<<` transcript. `X-SPASIGN: NG` marks its spam filter.
 */
export function decodeEzweb(message: BounceMessage): DecodeResult | null {
  let signals = 0;
  if (/Postmaster@(?:ezweb\.ne\.jp|au\.com)/i.test(message.from)) signals++;
  if (message.subject === 'Mail System Error - Returned Mail') signals++;
  if (
    message.headers.some(
      (h) => h.name === 'received' && /ezweb\.ne\.jp \(EZweb Mail\) with|\.au\.com \(/.test(h.value),
    )
  )
    signals++;
  if (/\.(?:ezweb\.ne\.jp|au\.com)>/.test(message.headers.find((h) => h.name === 'message-id')?.value ?? ''))
    signals++;
  if (signals < 2) return null;
  const lines = message.text.split(/^-{50}|^Content-Type: message\/rfc822/m)[0]!.split(/\r?\n/);
  const start = lines.findIndex((l) => /^(?:The user\(s\) |Your message |Each of the following|<)/.test(l));
  if (start < 0) return null;
  const found: Array<{ address: string; said: string[]; command: string | null }> = [];
  const preamble: string[] = [];
  for (const line of lines.slice(start)) {
    // Lines outside printable ASCII are the carrier's Japanese prose: skipped, as Sisimai does.
    if (line.trim() === '' || /[^ -~\t]/.test(line)) continue;
    const angled = /<([^<>\s]+@[^<>\s]+)>/.exec(line);
    if (angled && (line.startsWith('<') || line.indexOf('Recipient: <') > 1)) {
      const address = findAddress(angled[1]);
      if (address) found.push({ address, said: [...preamble, line.trim()], command: null });
      continue;
    }
    const current = found[found.length - 1];
    if (!current) {
      preamble.push(line.trim());
      continue;
    }
    if (line.includes(' >>> ') || line.trimStart().startsWith('>>> '))
      current.command = /RCPT|MAIL|DATA|EHLO|HELO/i.exec(line)?.[0]?.toUpperCase() ?? current.command;
    current.said.push(line.trim());
  }
  if (found.length === 0) return null;
  const spam = (message.headers.find((h) => h.name === 'x-spasign')?.value ?? '').trim() === 'NG';
  return {
    recipients: found.map(({ address, said, command }) => {
      const diagnostic = said.join(' ');
      const own = /@(?:ezweb\.ne\.jp|au\.com)$/.test(address);
      const preset = spam
        ? 'filtered'
        : (reasonFromTable(diagnostic, EZWEB) ?? (!own && diagnostic.startsWith('<') ? 'userunknown' : null));
      const r = textRecipient(address, diagnostic, preset);
      r.command = command ?? r.command;
      return r;
    }),
    reportingMta: null,
    decodedBy: 'ezweb',
  };
}

const KDDI: ReadonlyArray<[BounceReason, readonly string[]]> = [
  ['mailboxfull', ['as their mailbox is full']],
  ['norelaying', ['due to the following smtp relay error']],
  ['hostunknown', ['as the remote domain doesnt exist']],
];

/**
 * au by KDDI's older layout: "Your mail sent on: <date>" then, indented, "Could not be delivered to:
 * <addr>" and the reason ("As their mailbox is full."). Recognised by its Received path or its
 * `X-SPASIGN` header, and by the sentence itself.
 */
export function decodeKddi(message: BounceMessage): DecodeResult | null {
  if (!/^Your mail (?:sent|attempted to be delivered) on:/m.test(message.text)) return null;
  const fromKddi =
    /\.dion\.ne\.jp|no-reply@\./.test(message.from) ||
    message.headers.some(
      (h) =>
        (h.name === 'received' && /ezweb\.ne\.jp \(|\.au\.com \(/.test(h.value)) || h.name === 'x-spasign',
    );
  if (!fromKddi) return null;
  const found: Array<{ address: string; said: string[] }> = [];
  for (const line of message.text.split(/^Content-Type: message\/rfc822/im)[0]!.split(/\r?\n/)) {
    const to = / Could not be delivered to: <([^>]+)>/.exec(line);
    const address = to ? findAddress(to[1]) : null;
    if (address) found.push({ address, said: [] });
    else if (found.length > 0 && /^\s+\S/.test(line)) found[found.length - 1]!.said.push(line.trim());
  }
  if (found.length === 0) return null;
  const spam = (message.headers.find((h) => h.name === 'x-spasign')?.value ?? '').trim() === 'NG';
  return {
    recipients: found.map(({ address, said }) => {
      const diagnostic = said.join(' ');
      return textRecipient(address, diagnostic, spam ? 'filtered' : reasonFromTable(diagnostic, KDDI));
    }),
    reportingMta: null,
    decodedBy: 'kddi',
  };
}
