import type { Bounce, Contact, EmailQueue } from '@twe/persistence';

import type { BounceDetailDto, BounceSummaryDto } from './bounce.schemas';

export function toBounceSummaryDto(bounce: Bounce, contacts: Contact[]): BounceSummaryDto {
  return {
    id: bounce.id,
    kind: bounce.kind,
    source: bounce.source,
    state: bounce.resolvedAt === null ? 'Unresolved' : 'Resolved',
    recipient: bounce.recipient,
    status: bounce.status,
    replyCode: bounce.replyCode,
    reason: bounce.reason,
    hardBounce: bounce.hardBounce,
    diagnostic: bounce.diagnostic,
    reportingMta: bounce.reportingMta,
    originalMessageId: bounce.originalMessageId,
    originalSubject: bounce.originalSubject,
    emailQueueId: bounce.emailQueue?.id ?? null,
    contacts: contacts.map((contact) => ({
      id: contact.id,
      email: contact.email,
      name: contact.name,
      undeliverableSince: contact.undeliverableSince?.toISOString() ?? null,
    })),
    resolvedAt: bounce.resolvedAt?.toISOString() ?? null,
    resolvedBy: bounce.resolvedBy,
    resolutionNote: bounce.resolutionNote,
    createdAt: bounce.createdAt.toISOString(),
  };
}

/** The email row without its bodies (not loaded: the details show what was sent, not the text). */
export type BouncedEmail = Omit<EmailQueue, 'bodyText' | 'bodyHtml'>;

export function toBounceDetailDto(
  bounce: Bounce,
  contacts: Contact[],
  email: BouncedEmail | null,
): BounceDetailDto {
  return {
    ...toBounceSummaryDto(bounce, contacts),
    inboundMessageId: bounce.inboundMessage?.id ?? null,
    emailMatchedBy: bounce.emailMatchedBy,
    email:
      email === null
        ? null
        : {
            id: email.id,
            purpose: email.purpose,
            status: email.status,
            from: email.fromAddress,
            to: email.toAddresses,
            cc: email.ccAddresses,
            subject: email.subject,
            messageId: email.messageId,
            ticketId: email.ticket?.id ?? null,
            ticketLogId: email.ticketLog?.id ?? null,
            attempts: email.attempts,
            lastError: email.lastError,
            sentAt: email.sentAt?.toISOString() ?? null,
            bouncedAt: email.bouncedAt?.toISOString() ?? null,
            createdAt: email.createdAt.toISOString(),
          },
  };
}
