import {
  type BounceMessage,
  type DecodeResult,
  type DecodedRecipient,
  emptyRecipient,
  findAddress,
  oneLine,
} from './decoded-recipient';
import type { BounceReason } from './bounce-verdict';
import { courierReason, isCourier } from './lhost/courier';
import { decodeText, type MimePart, walkParts } from './mime-walker';
import { findCommand } from './reason-classifier';
import { commandFor, paragraphFor } from './smtp-command';
import { findReplyCode, findStatus, isStatus, preferStatus } from './status-code';

/**
 * RFC 3464 delivery status notifications: the machine-readable `message/delivery-status` part
 * (per-message fields, then one field group per recipient). Also reads the same fields when an MTA
 * puts them in a text part, which Exchange, several SaaS senders and some gateways do.
 */
export function decodeRfc3464(message: BounceMessage, raw: string): DecodeResult | null {
  const blocks = dsnBlocks(message.parts);
  // A bounce forwarded as an attachment: the DSN sits inside the enclosed message.
  if (blocks.length === 0) {
    for (const part of message.parts.filter((p) => p.contentType === 'message/rfc822'))
      blocks.push(...dsnBlocks(walkParts(part.body)));
  }
  // An mbox file of several DSNs (each after a `From ` line) reports all their recipients.
  for (const next of raw
    .split(/\n(?=From [^\s]+ +[A-Z][a-z]{2} [A-Z][a-z]{2} +\d+ [\d:]+ \d{4}\n)/)
    .slice(1)) {
    blocks.push(...dsnBlocks(walkParts(next.replace(/^From .*\n/, ''))));
  }
  if (blocks.length === 0) return null;
  const result = parseDeliveryStatus(blocks.join('\n\n'));
  if (result.recipients.length === 0) return null;
  const courier = isCourier(message);
  for (const r of result.recipients) {
    r.command ??= commandFor(message.text, r.recipient);
    if (courier) r.presetReason ??= courierReason(r.diagnostic);
    // No Diagnostic-Code: the human-readable part usually says what happened to this address.
    if (!r.diagnostic && r.action !== 'delivered' && r.action !== 'relayed' && r.action !== 'expanded') {
      r.diagnostic = oneLine(paragraphFor(message.text, r.recipient));
      r.replyCode ??= findReplyCode(r.diagnostic);
      r.status = preferStatus(r.status, findStatus(r.diagnostic), r.replyCode);
    }
  }
  return { ...result, decodedBy: 'rfc3464' };
}

function dsnBlocks(parts: MimePart[]): string[] {
  return parts
    .filter(
      (p) =>
        p.contentType === 'message/delivery-status' || p.contentType === 'message/global-delivery-status',
    )
    .map((p) => p.body);
}

/**
 * DSN fields written into a text part (Amazon WorkMail, some gateways): read only when no
 * message/delivery-status part exists and the text has both Final-Recipient and Status/Action.
 */
export function decodeTextDsn(message: BounceMessage): DecodeResult | null {
  const report = message.parts
    .filter((p) => p.contentType === 'text/plain')
    .map((p) => decodeText(p.body, p.params['charset']))
    .find((t) => /^Final-Recipient:/im.test(t) && /^(?:Status|Action):/im.test(t));
  if (!report) return null;
  const start = report.search(/^(?:Reporting-MTA|Final-Recipient|Original-Recipient|Action):/im);
  const result = parseDeliveryStatus(report.slice(start));
  if (result.recipients.length === 0) return null;
  for (const r of result.recipients) r.command ??= commandFor(message.text, r.recipient);
  return { ...result, decodedBy: 'rfc3464-text' };
}

// PowerMTA says what kind of failure it saw; its categories are sharper than the wording.
const POWERMTA_CATEGORIES: Record<string, BounceReason> = {
  'bad-mailbox': 'userunknown',
  'bad-domain': 'hostunknown',
  'quota-issues': 'mailboxfull',
  'inactive-mailbox': 'suspend',
  'spam-related': 'spamdetected',
  'policy-related': 'policyviolation',
  'message-expired': 'expired',
  'no-answer-from-host': 'expired',
  'bad-connection': 'networkerror',
  'routing-errors': 'systemerror',
  'content-related': 'contenterror',
  'invalid-sender': 'rejected',
  'relaying-issues': 'norelaying',
  'protocol-errors': 'syntaxerror',
  'virus-related': 'virusdetected',
};

const FIELD = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/;

/**
 * Parses DSN fields. Each blank-line separated group holding a Final-Recipient is one recipient,
 * whatever the field order inside it (Facebook and MessageLabs put Final-Recipient last); a group
 * with several Final-Recipient fields (no blank lines) is split at each of them.
 */
export function parseDeliveryStatus(text: string): {
  recipients: DecodedRecipient[];
  reportingMta: string | null;
} {
  let reportingMta: string | null = null;
  const recipients: DecodedRecipient[] = [];
  const groups = fieldGroups(text);
  for (const group of groups) {
    const category = groups.flat().find((f) => f.name === 'x-powermta-bouncecategory');
    if (category && !group.includes(category) && group.some((f) => f.name === 'final-recipient'))
      group.push(category);
    const finals = group.filter((f) => f.name === 'final-recipient').length;
    if (finals === 0) {
      const mta = group.find((f) => f.name === 'reporting-mta');
      if (mta) reportingMta ??= stripType(mta.value);
      const original = group.find((f) => f.name === 'original-recipient');
      if (!original || !group.some((f) => f.name === 'action' || f.name === 'status')) continue;
    }
    const chunks: Array<Array<{ name: string; value: string }>> = [];
    let chunk: Array<{ name: string; value: string }> = [];
    let seenFinal = false;
    for (const field of group) {
      if (field.name === 'final-recipient' && seenFinal && finals > 1) {
        chunks.push(chunk);
        chunk = [];
      }
      if (field.name === 'final-recipient') seenFinal = true;
      chunk.push(field);
    }
    chunks.push(chunk);
    for (const fields of chunks) {
      const r = fromFields(fields);
      if (r) recipients.push(r);
      const mta = fields.find((f) => f.name === 'reporting-mta');
      if (mta) reportingMta ??= stripType(mta.value);
    }
  }
  for (const r of recipients) finishRecipient(r);
  return { recipients: recipients.filter((r) => r.recipient.includes('@')), reportingMta };
}

function fieldGroups(text: string): Array<Array<{ name: string; value: string }>> {
  const groups: Array<Array<{ name: string; value: string }>> = [];
  let group: Array<{ name: string; value: string }> = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      if (group.length > 0) groups.push(group);
      group = [];
      continue;
    }
    const match = FIELD.exec(line);
    const last = group[group.length - 1];
    // Folded lines, and diagnostic text some MTAs wrap without indenting.
    if (
      last &&
      (/^[ \t]/.test(line) ||
        !match ||
        (last.name === 'diagnostic-code' && !KNOWN.has(match[1]!.toLowerCase()) && !/^x-/i.test(match[1]!)))
    ) {
      last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    if (match) group.push({ name: match[1]!.toLowerCase(), value: match[2]!.trim() });
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

const KNOWN = new Set([
  'reporting-mta',
  'arrival-date',
  'received-from-mta',
  'final-recipient',
  'original-recipient',
  'action',
  'status',
  'remote-mta',
  'diagnostic-code',
  'last-attempt-date',
  'will-retry-until',
  'x-actual-recipient',
  'final-log-id',
  'original-envelope-id',
  'x-display-name',
  'x-postfix-sender',
  'x-postfix-queue-id',
  'dsn-gateway',
]);

function fromFields(fields: Array<{ name: string; value: string }>): DecodedRecipient | null {
  const get = (name: string) => fields.find((f) => f.name === name)?.value ?? null;
  const address = findAddress(get('final-recipient')) ?? findAddress(get('original-recipient'));
  if (!address) return null;
  const r = emptyRecipient(address);
  r.presetReason = POWERMTA_CATEGORIES[(get('x-powermta-bouncecategory') ?? '').toLowerCase()] ?? null;
  r.action = get('action')?.toLowerCase().split(/[\s(]/)[0] ?? null;
  r.status = findStatus(get('status'));
  const remote = get('remote-mta');
  r.remoteMta = remote ? stripType(remote) : null;
  const diagnostic = get('diagnostic-code');
  if (diagnostic !== null) {
    const semi = diagnostic.indexOf(';');
    r.diagnosticType = semi > 0 ? diagnostic.slice(0, semi).trim().toUpperCase() : '';
    r.diagnostic = semi > 0 ? diagnostic.slice(semi + 1) : diagnostic;
  }
  return r;
}

export function finishRecipient(r: DecodedRecipient): void {
  r.diagnostic = oneLine(stripContinuationCodes(r.diagnostic));
  // "554 4.4.7 Message expired ... <421 4.4.2 Connection timed out>": the quoted last answer is
  // the real failure behind a vague expiry code.
  const inner = /<([245]\d\d) ([245]\.\d{1,3}\.\d{1,3}) [^<>]*>\s*$/.exec(r.diagnostic ?? '');
  if (inner && (!r.status || r.status === '4.4.7' || /\.0\.0$/.test(r.status))) {
    r.replyCode = inner[1]!;
    r.status = inner[2]!;
    return;
  }
  r.replyCode ??= findReplyCode(r.diagnostic);
  r.status = preferStatus(
    r.status && isStatus(r.status) ? r.status : null,
    findStatus(r.diagnostic),
    r.replyCode,
  );
  r.command ??= findCommand(r.diagnostic);
}

function stripType(value: string): string {
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(semi + 1) : value).trim().replace(/^\[|\]$/g, '') || value;
}

/** `550-5.2.1 text 550-5.2.1 more 550 5.2.1 end` -> `550-5.2.1 text more end` (multi-line replies). */
export function stripContinuationCodes(text: string | null): string | null {
  if (!text) return text;
  const first = /\b([245]\d\d)[- ]([245]\.\d{1,3}\.\d{1,3})?/.exec(text);
  if (!first) return text;
  const head = text.slice(0, first.index + first[0].length);
  const code = first[1]!;
  // Only a multi-line reply (`550-...`) repeats its code; `450 450 4.2.2` is one answer.
  if (!text.includes(`${code}-`)) return text;
  const tail = text
    .slice(first.index + first[0].length)
    .replace(new RegExp(`(^|\\s)${code}[- ](?:[245]\\.\\d{1,3}\\.\\d{1,3}\\s)?`, 'g'), ' ');
  return head + tail;
}
