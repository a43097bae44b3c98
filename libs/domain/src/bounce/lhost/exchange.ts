import type { BounceReason } from '../bounce-verdict';
import {
  type BounceMessage,
  type DecodeResult,
  type DecodedRecipient,
  findAddress,
} from '../decoded-recipient';
import { textRecipient } from './lhost-helpers';

// Exchange 2000/2003 MSEXCH:IMS error numbers.
const ERROR_CODES: Readonly<Record<string, BounceReason>> = {
  '000C05A6': 'userunknown',
  '000C0595': 'filtered',
  '000B099C': 'hostunknown',
  '000B09AA': 'networkerror',
  '000B005B': 'expired',
  '000D06AD': 'mesgtoobig',
};

/**
 * Exchange 2000/2003: "did not reach the following recipient(s):" then `addr on <date>` with the
 * reason and an `MSEXCH:IMS:... (000C05A6)` line under each address.
 */
export function decodeExchange2003(message: BounceMessage): DecodeResult | null {
  const text = message.text;
  const at = text.search(/did not reach the following recipient\(s\):/i);
  if (at < 0) return null;
  const lines = text.slice(at).split(/\r?\n/).slice(1);
  const recipients: DecodedRecipient[] = [];
  let current: { address: string; lines: string[] } | null = null;
  const flush = () => {
    if (!current) return;
    const body = current.lines.join(' ');
    const code = /\(([0-9A-F]{8})\)/.exec(body)?.[1];
    const preset =
      (code ? ERROR_CODES[code] : undefined) ??
      (/the recipient name is not recognized/i.test(body) ? 'userunknown' : null);
    recipients.push(textRecipient(current.address, body, preset));
  };
  for (const line of lines) {
    const head = /^\s*(\S+@\S+) on /.exec(line);
    if (head) {
      flush();
      current = { address: findAddress(head[1]) ?? head[1]!.toLowerCase(), lines: [] };
      continue;
    }
    if (/^--/.test(line)) break;
    if (current && line.trim() !== '') current.lines.push(line.trim());
  }
  flush();
  return recipients.length > 0 ? { recipients, reportingMta: null, decodedBy: 'exchange2003' } : null;
}
