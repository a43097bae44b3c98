import { type BounceMessage, type DecodeResult, emptyRecipient, findAddress } from './decoded-recipient';
import { headerValue, parseHeaderBlock, parseContentType } from './mime-walker';

/**
 * ARF (RFC 5965) feedback-loop reports: a `message/feedback-report` part. The reported recipients
 * are the Original-Rcpt-To fields, else the To of the enclosed original message.
 */
export function decodeArf(message: BounceMessage): DecodeResult | null {
  const { params } = parseContentType(headerValue(message.headers, 'content-type'));
  const report = message.parts.find((p) => p.contentType === 'message/feedback-report');
  if (!report && params['report-type']?.toLowerCase() !== 'feedback-report') return null;
  const fields = parseHeaderBlock(report?.body.trim() ?? '');
  const feedbackType = headerValue(fields, 'feedback-type')?.toLowerCase() ?? null;
  let addresses = fields.filter((f) => f.name === 'original-rcpt-to').map((f) => findAddress(f.value));
  if (addresses.length === 0) {
    const original = message.parts.find(
      (p) => p.contentType === 'message/rfc822' || p.contentType === 'text/rfc822-headers',
    );
    const to = original
      ? headerValue(parseHeaderBlock(original.body.split(/\r?\n\r?\n/)[0] ?? ''), 'to')
      : null;
    addresses = [findAddress(to)];
  }
  const seen = new Set<string>();
  const recipients = addresses
    .filter((a): a is string => !!a && !seen.has(a) && !!seen.add(a))
    .map((a) => ({ ...emptyRecipient(a), presetReason: 'feedback' as const, feedbackType }));
  if (recipients.length === 0) return null;
  const reportingMta = headerValue(fields, 'reporting-mta');
  return { recipients, reportingMta, decodedBy: 'arf' };
}
