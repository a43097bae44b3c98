/*
 * INTERIM — REMOVE WHEN `parseBounce` LANDS IN @twe/domain (issue 5, item 1).
 *
 * A deliberately minimal RFC 3464 reader, only so the bounce worker and its tests run before the
 * real parser exists: it reads Final-Recipient / Status / Diagnostic-Code / Reporting-MTA from a
 * `message/delivery-status` part and Message-ID / Subject / From from the quoted original, and calls
 * RFC 3834-marked messages auto-replies. It knows none of the non-standard formats. Same signature
 * as the real parser; `bounce-parser.ts` is the one line to swap.
 */
import {
  BounceKind,
  detectAutoReply,
  normalizeAddress,
  type BounceReason,
  type BounceRecipientVerdict,
  type BounceVerdict,
  type MailHeader,
} from '@twe/domain';

export function parseBounce(raw: Buffer): BounceVerdict {
  const text = raw.toString('latin1').replace(/\r\n/gu, '\n');
  const { headers } = splitHeaderBlock(text);
  const report = partAfterContentType(text, 'message/delivery-status');
  const original = quotedOriginal(text);
  if (report !== null) {
    const groups = report.split(/\n[ \t]*\n/u).map(readFields);
    const perMessage = groups[0] ?? new Map<string, string>();
    const recipients: BounceRecipientVerdict[] = [];
    let delivered = false;
    for (const fields of groups.slice(1)) {
      const recipient = normalizeAddress(
        stripType(fields.get('final-recipient') ?? fields.get('original-recipient')),
      );
      if (recipient === null || recipients.some((entry) => entry.recipient === recipient)) continue;
      const action = (fields.get('action') ?? '').toLowerCase();
      if (['delivered', 'relayed', 'expanded'].includes(action)) {
        delivered = true;
        continue;
      }
      const diagnostic = stripType(fields.get('diagnostic-code')) || null;
      const status = /\b([245]\.\d{1,3}\.\d{1,3})\b/u.exec(fields.get('status') ?? '')?.[1] ?? null;
      const replyCode = diagnostic ? (/^\s*([245]\d\d)\b/u.exec(diagnostic)?.[1] ?? null) : null;
      const reason = reasonOf(status, diagnostic);
      recipients.push({
        recipient,
        status,
        replyCode,
        reason,
        hardBounce: ['userunknown', 'hostunknown', 'hasmoved'].includes(reason),
        diagnostic: diagnostic?.replace(/\s+/gu, ' ').trim() ?? null,
      });
    }
    return {
      kind:
        recipients.length > 0
          ? BounceKind.Bounce
          : delivered
            ? BounceKind.DeliverySuccess
            : BounceKind.NotBounce,
      recipients,
      reportingMta: stripType(perMessage.get('reporting-mta')) || null,
      original,
      decodedBy: 'interim-rfc3464',
    };
  }
  const autoReply =
    detectAutoReply(headers).isAutoReply ||
    /^(automatic reply|auto(-| )?reply|out of office)/iu.test(header(headers, 'subject') ?? '');
  const sender = normalizeAddress(header(headers, 'from'));
  return {
    kind: autoReply ? BounceKind.AutoReply : BounceKind.NotBounce,
    recipients:
      autoReply && sender !== null
        ? [
            {
              recipient: sender,
              status: null,
              replyCode: null,
              reason: 'vacation',
              hardBounce: false,
              diagnostic: null,
            },
          ]
        : [],
    reportingMta: null,
    original,
    decodedBy: autoReply ? 'interim-rfc3834' : null,
  };
}

function reasonOf(status: string | null, diagnostic: string | null): BounceReason {
  const byStatus: Record<string, BounceReason> = {
    '5.1.1': 'userunknown',
    '5.1.0': 'userunknown',
    '5.1.2': 'hostunknown',
    '5.1.6': 'hasmoved',
    '5.2.2': 'mailboxfull',
    '4.2.2': 'mailboxfull',
    '5.3.4': 'mesgtoobig',
    '5.2.3': 'mesgtoobig',
    '4.4.7': 'expired',
    '5.4.7': 'expired',
    '5.7.1': 'blocked',
  };
  if (status !== null && byStatus[status]) return byStatus[status];
  if (diagnostic && /user unknown|no such user|does not exist/iu.test(diagnostic)) return 'userunknown';
  return 'undefined';
}

function splitHeaderBlock(text: string): { headers: MailHeader[]; body: string } {
  const end = text.indexOf('\n\n');
  const block = end === -1 ? text : text.slice(0, end);
  return { headers: parseHeaderLines(block), body: end === -1 ? '' : text.slice(end + 2) };
}

function parseHeaderLines(block: string): MailHeader[] {
  const headers: MailHeader[] = [];
  for (const line of block.split('\n')) {
    if (/^[ \t]/u.test(line) && headers.length > 0) {
      headers[headers.length - 1].value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon > 0) headers.push({ key: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return headers;
}

function header(headers: MailHeader[], name: string): string | null {
  return headers.find((entry) => entry.key.toLowerCase() === name)?.value ?? null;
}

/** Body of the first MIME part of the given content type (up to the next boundary line). */
function partAfterContentType(text: string, contentType: string): string | null {
  const start = new RegExp(`^Content-Type:[ \\t]*${contentType.replace('/', '\\/')}\\b`, 'imu').exec(text);
  if (start === null) return null;
  const rest = text.slice(start.index);
  const bodyStart = rest.indexOf('\n\n');
  if (bodyStart === -1) return null;
  const body = rest.slice(bodyStart + 2);
  const boundary = /^--\S+/mu.exec(body);
  return (boundary === null ? body : body.slice(0, boundary.index)).trim();
}

function readFields(group: string): Map<string, string> {
  return new Map(parseHeaderLines(group).map((entry) => [entry.key.toLowerCase(), entry.value]));
}

/** `rfc822; a@b` -> `a@b`; `smtp; 550 ...` -> `550 ...`. */
function stripType(value: string | undefined): string {
  if (value === undefined) return '';
  const semicolon = value.indexOf(';');
  return (semicolon === -1 ? value : value.slice(semicolon + 1)).trim();
}

function quotedOriginal(text: string): BounceVerdict['original'] {
  const quoted =
    partAfterContentType(text, 'message/rfc822') ?? partAfterContentType(text, 'text/rfc822-headers');
  if (quoted === null) return { messageId: null, subject: null, from: null };
  const { headers } = splitHeaderBlock(`${quoted}\n\n`);
  const messageId = header(headers, 'message-id');
  return {
    messageId: messageId ? (/<[^>]+>/u.exec(messageId)?.[0] ?? `<${messageId.trim()}>`) : null,
    subject: header(headers, 'subject'),
    from: normalizeAddress(header(headers, 'from')),
  };
}
