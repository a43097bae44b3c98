import type { BounceReason } from '../bounce-verdict';
import { type BounceMessage, type DecodeResult, emptyRecipient, findAddress } from '../decoded-recipient';
import { decodeText } from '../mime-walker';
import { finishRecipient } from '../rfc3464';

interface SesNotification {
  notificationType?: string;
  eventType?: string;
  bounce?: {
    bounceType?: string;
    bounceSubType?: string;
    bouncedRecipients?: Array<{
      emailAddress?: string;
      status?: string;
      action?: string;
      diagnosticCode?: string;
    }>;
    reportingMTA?: string;
  };
  complaint?: { complainedRecipients?: Array<{ emailAddress?: string }>; complaintFeedbackType?: string };
  delivery?: { recipients?: string[]; smtpResponse?: string };
}

const SUBTYPES: Readonly<Record<string, BounceReason>> = {
  Suppressed: 'suppressed',
  OnAccountSuppressionList: 'suppressed',
  NoEmail: 'userunknown',
  MailboxFull: 'mailboxfull',
  MessageTooLarge: 'mesgtoobig',
  ContentRejected: 'contenterror',
  AttachmentRejected: 'contenterror',
};

/** Amazon SES notifications delivered by SNS e-mail: one JSON object in the body. */
export function decodeAmazonSesJson(message: BounceMessage): DecodeResult | null {
  const body = message.parts
    .filter((p) => p.contentType.startsWith('text/') || p.contentType === 'application/json')
    .map((p) => decodeText(p.body, p.params['charset']))
    .join('\n');
  const start =
    body.indexOf('{"notificationType"') >= 0
      ? body.indexOf('{"notificationType"')
      : body.indexOf('{"eventType"');
  if (start < 0) return null;
  const end = body.lastIndexOf('}');
  let data: SesNotification;
  try {
    // SNS folds long lines with a newline and a space; unfold before parsing.
    data = JSON.parse(
      body
        .slice(start, end + 1)
        .replace(/\r?\n /g, '')
        .replace(/\r?\n/g, ''),
    ) as SesNotification;
  } catch {
    return null;
  }
  const type = data.notificationType ?? data.eventType;
  if (type === 'Complaint') {
    const recipients = (data.complaint?.complainedRecipients ?? [])
      .map((c) => findAddress(c.emailAddress))
      .filter((a): a is string => !!a)
      .map((a) => ({
        ...emptyRecipient(a),
        presetReason: 'feedback' as const,
        feedbackType: data.complaint?.complaintFeedbackType ?? null,
      }));
    return { recipients, reportingMta: null, decodedBy: 'amazonses' };
  }
  if (type === 'Bounce') {
    const recipients = (data.bounce?.bouncedRecipients ?? []).flatMap((b) => {
      const address = findAddress(b.emailAddress);
      if (!address) return [];
      const r = emptyRecipient(address);
      r.status = b.status ?? null;
      r.diagnostic = b.diagnosticCode?.replace(/^smtp;\s*/i, '') ?? null;
      r.diagnosticType = b.diagnosticCode ? 'SMTP' : null;
      r.action = b.action ?? null;
      r.presetReason = SUBTYPES[data.bounce?.bounceSubType ?? ''] ?? null;
      finishRecipient(r);
      return [r];
    });
    return { recipients, reportingMta: data.bounce?.reportingMTA ?? null, decodedBy: 'amazonses' };
  }
  if (type === 'Delivery') {
    const recipients = (data.delivery?.recipients ?? [])
      .map((a) => findAddress(a))
      .filter((a): a is string => !!a)
      .map((a) => ({ ...emptyRecipient(a), status: '2.0.0', presetReason: 'delivered' as const }));
    return { recipients, reportingMta: null, decodedBy: 'amazonses' };
  }
  return null;
}
