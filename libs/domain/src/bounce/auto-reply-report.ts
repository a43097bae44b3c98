import { type BounceMessage, type DecodeResult, emptyRecipient, findAddress } from './decoded-recipient';
import { headerValue } from './mime-walker';

const AUTO_SUBJECT =
  /^(?:auto(?:matic)?[ -]?(?:reply|response|answer)|out of (?:the )?office|auto:|vacation|abwesenheitsnotiz|r[ée]ponse automatique|respuesta autom[áa]tica)/i;
const DAEMON_FROM = /^(?:mailer-daemon|postmaster|mail-daemon|mdaemon|root|bounce)/i;

/**
 * RFC 3834 automatic responses (vacation, out of office). They reach the bounce mailbox like
 * bounces but say nothing about deliverability; the recipient is the address that replied.
 */
export function decodeAutoReply(message: BounceMessage): DecodeResult | null {
  const autoSubmitted = headerValue(message.headers, 'auto-submitted')?.toLowerCase() ?? '';
  const signals =
    autoSubmitted.startsWith('auto-replied') ||
    headerValue(message.headers, 'x-autoreply') !== null ||
    headerValue(message.headers, 'x-autorespond') !== null ||
    /auto_reply/i.test(headerValue(message.headers, 'precedence') ?? '') ||
    AUTO_SUBJECT.test(message.subject);
  if (!signals) return null;
  if (DAEMON_FROM.test(message.from)) return null;
  const from = findAddress(headerValue(message.headers, 'from'));
  if (!from) return null;
  return {
    recipients: [{ ...emptyRecipient(from), presetReason: 'vacation' }],
    reportingMta: null,
    decodedBy: 'rfc3834',
  };
}
