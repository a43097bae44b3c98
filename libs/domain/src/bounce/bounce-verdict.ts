/**
 * The bounce parser's answer for one message (SPEC §6). Shared by the parser (`parseBounce`), the
 * bounce worker, the `twe bounce` command and the staff API. Field names follow the bounce corpus
 * (`fixtures/bounces/README.md`), so its expected values compare directly.
 */

/** What the message is. Only `bounce` creates bounce records. */
export const BounceKind = {
  Bounce: 'bounce',
  /** RFC 3834 vacation / out-of-office message: recorded as such, never a bounce. */
  AutoReply: 'auto-reply',
  /** ARF (RFC 5965) complaint / feedback-loop report. */
  FeedbackReport: 'feedback-report',
  /** A DSN that reports successful delivery (Action: delivered / relayed / expanded). */
  DeliverySuccess: 'delivery-success',
  NotBounce: 'not-bounce',
} as const;
export type BounceKind = (typeof BounceKind)[keyof typeof BounceKind];

/** Sisimai v5 reason vocabulary (lower-case). `hardbounce` follows from the reason, see `isHardBounce`. */
export const BOUNCE_REASONS = [
  'authfailure',
  'badreputation',
  'blocked',
  'contenterror',
  'delivered',
  'exceedlimit',
  'expired',
  'failedstarttls',
  'feedback',
  'filtered',
  'hasmoved',
  'hostunknown',
  'mailboxfull',
  'mailererror',
  'mesgtoobig',
  'networkerror',
  'norelaying',
  'notaccept',
  'notcompliantrfc',
  'onhold',
  'policyviolation',
  'rejected',
  'requireptr',
  'securityerror',
  'spamdetected',
  'speeding',
  'suppressed',
  'suspend',
  'syntaxerror',
  'systemerror',
  'systemfull',
  'toomanyconn',
  'undefined',
  'userunknown',
  'vacation',
  'virusdetected',
] as const;
export type BounceReason = (typeof BOUNCE_REASONS)[number];

export interface BounceRecipientVerdict {
  /** The failed address (lower-cased addr-spec). */
  recipient: string;
  /** Enhanced status code (RFC 3463), e.g. `5.1.1`; null when the bounce gives none. */
  status: string | null;
  /** SMTP reply code, e.g. `550`; null when none. */
  replyCode: string | null;
  reason: BounceReason;
  /** Permanent for the address (userunknown, hostunknown, hasmoved, permanent notaccept). */
  hardBounce: boolean;
  /** The remote server's words (Diagnostic-Code or the quoted SMTP answer), one line; null when none. */
  diagnostic: string | null;
  /** ARF only: abuse, fraud, ... */
  feedbackType?: string | null;
}

export interface BounceVerdict {
  kind: BounceKind;
  /** One entry per failed (or reported) recipient, in the report's order, without duplicates. */
  recipients: BounceRecipientVerdict[];
  /** Reporting-MTA or the host that wrote the bounce; null when unknown. */
  reportingMta: string | null;
  /** The message that bounced, when the bounce quotes it. */
  original: {
    messageId: string | null;
    subject: string | null;
    from: string | null;
  };
  /** Which decoder recognised it (e.g. `rfc3464`, `postfix`, `exim`, `heuristic`), for diagnosis. */
  decodedBy: string | null;
}
