import { decodeArf } from './arf';
import { decodeAutoReply } from './auto-reply-report';
import type { BounceKind, BounceRecipientVerdict, BounceVerdict } from './bounce-verdict';
import { type BounceMessage, type DecodeResult, findAddress, oneLine } from './decoded-recipient';
import { isHardBounce } from './hard-bounce';
import { decodeHeuristic } from './heuristic';
import { LHOST_DECODERS } from './lhost';
import { decodeHeaderWords, decodeText, headerValue, walkParts, splitHeaders } from './mime-walker';
import { findOriginal } from './original-message';
import { classifyReason } from './reason-classifier';
import { remoteHostReason } from './remote-host-rules';
import { decodeRfc3464, decodeTextDsn } from './rfc3464';

type Decoder = (message: BounceMessage, raw: string) => DecodeResult | null;

// RFC 3464 first, then the formats of known MTAs and providers, then text heuristics. ARF and
// auto-replies are recognised first/last so neither is mistaken for a bounce.
const DECODERS: readonly Decoder[] = [
  decodeArf,
  decodeRfc3464,
  ...LHOST_DECODERS,
  decodeTextDsn,
  decodeAutoReply,
  decodeHeuristic,
];

const NOT_BOUNCE: BounceVerdict = {
  kind: 'not-bounce',
  recipients: [],
  reportingMta: null,
  original: { messageId: null, subject: null, from: null },
  decodedBy: null,
};

/**
 * Reads a raw message (bounce, DSN, auto-reply, ARF report or ordinary mail) and says what it is
 * and, for a bounce, which recipients failed and why. Pure and synchronous; never throws: input
 * that matches nothing is `not-bounce`.
 */
export function parseBounce(raw: Buffer): BounceVerdict {
  try {
    return parse(raw.toString('latin1'));
  } catch {
    return { ...NOT_BOUNCE, original: { ...NOT_BOUNCE.original } };
  }
}

export function readBounceMessage(raw: string): BounceMessage {
  const { headers } = splitHeaders(raw);
  const parts = walkParts(raw);
  const text = parts
    .filter(
      (p) =>
        p.contentType.startsWith('text/') &&
        p.contentType !== 'text/html' &&
        p.contentType !== 'text/rfc822-headers',
    )
    .map((p) => decodeText(p.body, p.params['charset']))
    .join('\n');
  const subject = decodeHeaderWords(headerValue(headers, 'subject') ?? '') ?? '';
  return { headers, parts, from: findAddress(headerValue(headers, 'from')) ?? '', subject, text };
}

function parse(raw: string): BounceVerdict {
  const message = readBounceMessage(raw);
  let decoded: DecodeResult | null = null;
  for (const decode of DECODERS) {
    decoded = decode(message, raw);
    if (decoded && decoded.recipients.length > 0) break;
    decoded = null;
  }
  if (!decoded) {
    // A delivery report we cannot read a recipient from is still a bounce: the worker can match it
    // by its VERP return path or the quoted Message-ID.
    if (!looksLikeBounce(message)) return { ...NOT_BOUNCE, original: { ...NOT_BOUNCE.original } };
    return {
      kind: 'bounce',
      recipients: [],
      reportingMta: null,
      original: findOriginal(message, raw),
      decodedBy: 'unrecognised',
    };
  }

  const seen = new Set<string>();
  const recipients: BounceRecipientVerdict[] = [];
  for (const r of decoded.recipients) {
    if (!r.recipient || seen.has(r.recipient)) continue;
    seen.add(r.recipient);
    // A provider's own wording decides before the generic tables do.
    const reason = remoteHostReason(r, decoded.reportingMta) ?? classifyReason(r);
    const verdict: BounceRecipientVerdict = {
      recipient: r.recipient,
      status: r.status,
      replyCode: r.replyCode,
      reason,
      hardBounce: isHardBounce(reason, r.status, r.replyCode),
      diagnostic: oneLine(r.diagnostic),
    };
    if (r.feedbackType !== undefined) verdict.feedbackType = r.feedbackType;
    recipients.push(verdict);
  }
  const kind = kindOf(recipients.map((r) => r.reason));
  // A DSN mixing delivered and failed recipients is a bounce for the failed ones only.
  const reported = kind === 'bounce' ? recipients.filter((r) => r.reason !== 'delivered') : recipients;
  return {
    kind,
    recipients: reported,
    reportingMta: decoded.reportingMta,
    original: findOriginal(message, raw),
    decodedBy: decoded.decodedBy,
  };
}

function kindOf(reasons: string[]): BounceKind {
  if (reasons.length === 0) return 'not-bounce';
  if (reasons.every((r) => r === 'feedback')) return 'feedback-report';
  if (reasons.every((r) => r === 'vacation')) return 'auto-reply';
  if (reasons.every((r) => r === 'delivered')) return 'delivery-success';
  return 'bounce';
}

const DAEMON_SENDER = /^(?:mailer-daemon|postmaster|mail-daemon)@/i;
const BOUNCE_SUBJECT =
  /undeliver|returned mail|delivery (?:status notification|failure|has failed)|failure notice|mail delivery failed|non-?delivery/i;

/** Clearly a bounce even without a readable recipient: a DSN, or a mailer daemon's failure notice. */
function looksLikeBounce(message: BounceMessage): boolean {
  const type = headerValue(message.headers, 'content-type') ?? '';
  if (/multipart\/report/i.test(type) && /report-type\s*=\s*"?delivery-status/i.test(type)) return true;
  // Headers alone can lie (a test message from "Mailer-Daemon"): the text must talk about delivery too.
  return (
    DAEMON_SENDER.test(message.from) &&
    BOUNCE_SUBJECT.test(message.subject) &&
    /deliver|recipient|could not be sent|returned to sender|permanent error/i.test(message.text)
  );
}
