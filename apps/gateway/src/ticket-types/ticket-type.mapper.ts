import type { TicketType } from '@twe/persistence';

import type { TicketTypeDto } from './ticket-type.schemas';

/** Field by field, so nothing reaches a response that was not chosen for it. Needs `mailbox` loaded. */
export function toTicketTypeDto(type: TicketType, ticketCount: number): TicketTypeDto {
  return {
    id: type.id,
    task: type.task,
    name: type.name,
    description: type.description,
    emailTo: type.emailTo,
    workflowTag: type.workflowTag,
    mailboxId: type.mailbox.id,
    mailboxName: type.mailbox.name,
    emailForward: type.emailForward,
    adminEmail: type.adminEmail,
    saveTable: type.saveTable,
    saveFromColumn: type.saveFromColumn,
    saveSubjectColumn: type.saveSubjectColumn,
    saveBodyColumn: type.saveBodyColumn,
    active: type.active,
    ticketCount,
    createdAt: type.createdAt.toISOString(),
    updatedAt: type.updatedAt.toISOString(),
  };
}
