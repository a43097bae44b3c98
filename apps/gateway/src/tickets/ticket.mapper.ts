import type { Attachment, Ticket, TicketLog, TicketStatusChange } from '@twe/persistence';

import type { TicketDetailDto, TicketSummaryDto } from './ticket.schemas';

/** Needs `type` and `contact` loaded. */
export function toTicketSummaryDto(ticket: Ticket, logCount: number): TicketSummaryDto {
  return {
    id: ticket.id,
    kind: ticket.kind,
    status: ticket.status,
    subject: ticket.subject,
    type: ticket.type
      ? { id: ticket.type.id, name: ticket.type.name, workflowTag: ticket.type.workflowTag }
      : null,
    contactEmail: ticket.contact?.email ?? null,
    logCount,
    createdAt: ticket.createdAt.toISOString(),
    updatedAt: ticket.updatedAt.toISOString(),
  };
}

/** Needs `logs`, `logs.attachments` (without the lazy content) loaded; logs in display order. */
export function toTicketDetailDto(
  ticket: Ticket,
  logs: TicketLog[],
  statusChanges: TicketStatusChange[],
): TicketDetailDto {
  return {
    ...toTicketSummaryDto(ticket, logs.length),
    contact: ticket.contact
      ? { id: ticket.contact.id, email: ticket.contact.email, name: ticket.contact.name }
      : null,
    errorReason: ticket.errorReason,
    previousTicketId: ticket.previousTicket?.id ?? null,
    statusChanges: statusChanges.map((change) => ({
      fromStatus: change.fromStatus,
      toStatus: change.toStatus,
      cause: change.cause,
      ticketLogId: change.ticketLog?.id ?? null,
      changedAt: change.changedAt.toISOString(),
    })),
    logs: logs.map((log) => ({
      id: log.id,
      direction: log.direction,
      from: { address: log.fromAddress, name: log.fromName },
      subject: log.subject,
      messageId: log.messageId,
      inReplyTo: log.inReplyTo,
      receiver: {
        name: log.receiverName,
        email: log.receiverEmail,
        contactId: log.receiverContact?.id ?? null,
      },
      textBody: log.bodyText,
      newText: log.bodyTextNew,
      quotedText: log.quotedText,
      inboundMessageId: log.inboundMessage?.id ?? null,
      threadingNote: log.threadingNote,
      machineMail: log.machineMail,
      notificationNote: log.notificationNote,
      attachments: log.attachments
        .getItems()
        .sort((a, b) => a.id - b.id)
        .map(toAttachmentDto),
      createdAt: log.createdAt.toISOString(),
    })),
  };
}

function toAttachmentDto(attachment: Attachment) {
  return {
    id: attachment.id,
    filename: attachment.filename,
    contentType: attachment.contentType,
    size: attachment.size,
    sha256: attachment.sha256,
    inline: attachment.inline,
  };
}
