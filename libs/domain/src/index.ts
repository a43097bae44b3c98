export type { AutoReplyVerdict } from './auto-reply';
export { detectAutoReply, suppressAutoResponse } from './auto-reply';
export { addressesMatch, extractAddresses, normalizeAddress } from './email-address';
export type { MailHeader } from './mail-header';
export type { MessageRecipients } from './recipient-match';
export { envelopeRecipientsFromHeaders, matchTicketTypes } from './recipient-match';
export type { SmtpErrorClassification } from './smtp-error';
export { classifySmtpError, redactCredentials } from './smtp-error';
export type { FoundSubjectTag, SubjectTag } from './subject-tag';
export { findSubjectTag, formatTaggedSubject } from './subject-tag';
export { isTicketStatus, statusAfterCustomerReply, TICKET_STATUSES, TicketStatus } from './ticket-status';
export type { BounceRecipientVerdict, BounceReason, BounceVerdict } from './bounce/bounce-verdict';
export { BOUNCE_REASONS, BounceKind } from './bounce/bounce-verdict';
export type { VerpAddress } from './verp/verp-address';
export { addressDomain, findVerpAddress, formatVerpAddress, parseVerpAddress } from './verp/verp-address';
export { findQuotedEmailQueueId, OUTBOUND_EMAIL_ID_HEADER } from './verp/outbound-header';
export type { SmtpRejectionVerdict } from './smtp-rejection';
export { classifySmtpRejection } from './smtp-rejection';
export type { FetchBackoffPolicy } from './fetch-backoff';
export { DEFAULT_FETCH_BACKOFF, fetchBackoffMs, fetchBackoffUntil } from './fetch-backoff';
export type { QuotedReplySplit } from './quoted-reply';
export { splitQuotedReply } from './quoted-reply';
export { parseBounce } from './bounce/parse-bounce';
export { classifyReason } from './bounce/reason-classifier';
export type { ReasonEvidence } from './bounce/reason-classifier';
export { isHardBounce } from './bounce/hard-bounce';
export { decodeEncodedWords } from './encoded-words';
export { angleMessageId, bareMessageId } from './message-id';
export type { LoopGuardContext, LoopGuardMessage, LoopGuardVerdict, MachineMailKind } from './loop-guard';
export { detectLoopRisk, LOOP_HEADER } from './loop-guard';
export type { NotificationContent, NotificationDraft, NotifiedType } from './notification-email';
export {
  childThreadIndex,
  formatMailbox,
  newMessageId,
  notificationDrafts,
  notificationText,
  replyReferences,
} from './notification-email';
