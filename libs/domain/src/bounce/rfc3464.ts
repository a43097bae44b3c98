import {
  type BounceMessage,
  type DecodeResult,
  type DecodedRecipient,
  emptyRecipient,
  findAddress,
  oneLine,
} from './decoded-recipient';
import { findCommand } from './reason-classifier';
import { findReplyCode, findStatus, isStatus } from './status-code';

/**
 * RFC 3464 delivery status notifications: the machine-readable `message/delivery-status` part
 * (per-message fields, then one field group per recipient). Also reads the same fields when an MTA
 * puts them in a text part, which Exchange, several SaaS senders and some gateways do.
 */
export function decodeRfc3464(message: BounceMessage): DecodeResult | null {
  const dsnParts = message.parts.filter(
    (p) => p.contentType === 'message/delivery-status' || p.contentType === 'message/global-delivery-status',
  );
  const blocks = dsnParts.map((p) => p.body);
  if (blocks.length === 0) return null;
  const result = parseDeliveryStatus(blocks.join('\n\n'));
  if (result.recipients.length === 0) return null;
  return { ...result, decodedBy: 'rfc3464' };
}

const CONTINUATION = /^[ \t]/;

/** Parses DSN fields (tolerant: groups need not be separated by blank lines). */
export function parseDeliveryStatus(text: string): { recipients: DecodedRecipient[]; reportingMta: string | null } {
  const recipients: DecodedRecipient[] = [];
  let reportingMta: string | null = null;
  let current: DecodedRecipient | null = null;
  let pendingOriginal: string | null = null;
  let lastField: string | null = null;
  const lines = text.split(/\r?\n/);
  for (const line of lines) {
    if (CONTINUATION.test(line) && lastField === 'diagnostic-code' && current) {
      current.diagnostic = `${current.diagnostic ?? ''} ${line.trim()}`;
      continue;
    }
    const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (!match) {
      lastField = null;
      continue;
    }
    const name = match[1]!.toLowerCase();
    const value = match[2]!.trim();
    lastField = name;
    switch (name) {
      case 'reporting-mta':
        reportingMta = stripType(value);
        break;
      case 'original-recipient':
        if (current && !current.recipient.includes('@') && findAddress(value)) current.recipient = findAddress(value)!;
        else pendingOriginal = findAddress(value);
        break;
      case 'final-recipient':
      case 'x-actual-recipient': {
        if (name === 'x-actual-recipient' && current) break;
        const address = findAddress(value) ?? pendingOriginal;
        current = emptyRecipient(address ?? '');
        pendingOriginal = null;
        recipients.push(current);
        break;
      }
      case 'action':
        if (current) current.action = value.toLowerCase().split(/[\s(]/)[0] ?? null;
        break;
      case 'status':
        if (current) current.status = findStatus(value);
        break;
      case 'remote-mta':
        if (current) current.remoteMta = stripType(value);
        break;
      case 'diagnostic-code':
        if (current) {
          const semi = value.indexOf(';');
          current.diagnosticType = semi > 0 ? value.slice(0, semi).trim().toUpperCase() : '';
          current.diagnostic = semi > 0 ? value.slice(semi + 1) : value;
        }
        break;
      default:
        break;
    }
  }
  for (const r of recipients) finishRecipient(r);
  return { recipients: recipients.filter((r) => r.recipient.includes('@')), reportingMta };
}

export function finishRecipient(r: DecodedRecipient): void {
  r.diagnostic = oneLine(r.diagnostic);
  const fromText = findStatus(r.diagnostic);
  // The remote server's own code is more specific than a generic x.0.0 in the Status field.
  if (fromText && (!r.status || /\.0\.0$/.test(r.status)) && fromText[0] === (r.status ?? fromText)[0]) r.status = fromText;
  if (r.status && !isStatus(r.status)) r.status = null;
  r.replyCode ??= findReplyCode(r.diagnostic);
  r.command ??= findCommand(r.diagnostic);
}

function stripType(value: string): string {
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(semi + 1) : value).trim().replace(/^\[|\]$/g, '') || value;
}
