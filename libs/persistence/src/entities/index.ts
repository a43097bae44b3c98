export * from './attachment.entity';
export * from './background-task-setting.entity';
export * from './bounce.entity';
export * from './contact.entity';
export * from './email-queue.entity';
export * from './inbound-message.entity';
export * from './mailbox.entity';
export * from './ticket-log.entity';
export * from './ticket-status-change.entity';
export * from './ticket-type.entity';
export * from './ticket.entity';

import { Attachment } from './attachment.entity';
import { BackgroundTaskSetting } from './background-task-setting.entity';
import { Bounce } from './bounce.entity';
import { Contact } from './contact.entity';
import { EmailQueue } from './email-queue.entity';
import { InboundMessage } from './inbound-message.entity';
import { Mailbox } from './mailbox.entity';
import { TicketLog } from './ticket-log.entity';
import { TicketStatusChange } from './ticket-status-change.entity';
import { TicketType } from './ticket-type.entity';
import { Ticket } from './ticket.entity';

export const allEntities = [
  Mailbox,
  TicketType,
  Contact,
  InboundMessage,
  Ticket,
  TicketLog,
  Attachment,
  EmailQueue,
  BackgroundTaskSetting,
  Bounce,
  TicketStatusChange,
];
