import { InjectQueue } from '@nestjs/bullmq';
import { EntityManager } from '@mikro-orm/postgresql';
import { LockMode } from '@mikro-orm/core';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '@twe/config';
import { newMessageId, normalizeAddress, notificationDrafts } from '@twe/domain';
import {
  Attachment,
  Contact,
  EmailPurpose,
  EmailQueue,
  LogDirection,
  Ticket,
  TicketKind,
  TicketLog,
  TicketType,
} from '@twe/persistence';
import { enqueueOutboundSendBulk, QueueName } from '@twe/queues';
import { APP_CONFIG } from '@twe/runtime';
import type { Queue } from 'bullmq';

import { conflict, notFound, RequestValidationError } from '../common/api-errors';
import type { ReassignResultDto, ReassignTicketInput } from './ticket.schemas';

// The processor quotes at most this much of the original text (ticketProcessorSettings).
const QUOTE_MAX_CHARS = 100_000;

/**
 * SPEC "Invalid emails": staff give an invalid ticket (a message that matched no type) its type.
 * The ticket becomes a normal ticket of that type, and the notification that was never sent for it
 * is queued then (admin and forward address, the first message quoted), in one transaction; the
 * `outbound.send` jobs are added after the commit (a Redis hiccup leaves the rows queued, and the
 * processor's outbound sweeper enqueues them).
 */
@Injectable()
export class TicketReassignmentService {
  private readonly logger = new Logger(TicketReassignmentService.name);

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.OutboundSend) private readonly outboundQueue: Queue,
  ) {}

  async reassign(ticketId: number, input: ReassignTicketInput): Promise<ReassignResultDto> {
    const emails = await this.em.fork().transactional(async (em) => {
      // FOR UPDATE: two clicks at once must not queue the notification twice.
      const ticket = await em.findOne(Ticket, ticketId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (ticket === null) throw notFound('Ticket', ticketId);
      if (ticket.kind !== TicketKind.Invalid) {
        throw conflict(`Ticket ${ticketId} is ${ticket.kind}: only invalid tickets can be reassigned`, {
          ticketId,
          kind: ticket.kind,
        });
      }
      const type = await em.findOne(TicketType, input.ticketTypeId);
      if (type === null || !type.active) {
        throw new RequestValidationError([
          {
            field: 'ticketTypeId',
            message:
              type === null
                ? `Ticket type ${input.ticketTypeId} not found`
                : `Ticket type ${type.id} is inactive`,
          },
        ]);
      }
      ticket.type = type;
      ticket.kind = TicketKind.Normal;
      ticket.updatedAt = new Date();

      const log = await em.findOne(
        TicketLog,
        { ticket: ticket.id, direction: LogDirection.Inbound },
        { orderBy: { id: 'asc' } },
      );
      if (log === null) return [];
      log.receiverEmail = type.adminEmail;
      log.receiverName = type.name;
      const adminAddress = normalizeAddress(type.adminEmail);
      log.receiverContact = adminAddress ? await em.findOne(Contact, { email: adminAddress }) : null;
      const attachments = await em.find(Attachment, { ticketLog: log.id }, { orderBy: { id: 'asc' } });

      const drafts = notificationDrafts({
        type,
        ticketId: ticket.id,
        logId: log.id,
        newTicket: true,
        sender: normalizeAddress(log.fromAddress),
        message: {
          fromAddress: log.fromAddress,
          fromName: log.fromName,
          date: log.createdAt,
          subject: log.subject,
          text: log.bodyText,
          attachmentNames: attachments.map((attachment) => attachment.filename),
        },
        quoteMaxChars: QUOTE_MAX_CHARS,
      });
      return drafts.map((draft) => {
        const email = new EmailQueue({
          purpose: draft.purpose === 'forward' ? EmailPurpose.Forward : EmailPurpose.Notification,
          fromAddress: draft.fromAddress,
          toAddresses: draft.toAddress,
          subject: draft.subject,
          messageId: newMessageId(this.config.MESSAGE_ID_DOMAIN),
        });
        email.ticket = ticket;
        email.ticketLog = log;
        email.bodyText = draft.bodyText;
        email.attachmentIds = attachments.map((attachment) => attachment.id);
        email.inReplyTo = log.messageId;
        email.references = log.messageId;
        em.persist(email);
        return email;
      });
    });

    const emailQueueIds = emails.map((email) => email.id);
    if (emailQueueIds.length > 0) {
      await enqueueOutboundSendBulk(
        this.outboundQueue,
        emailQueueIds.map((emailQueueId) => ({ emailQueueId })),
      ).catch((error: unknown) =>
        this.logger.warn({ ticketId, err: error }, 'Could not enqueue outbound.send; the sweeper will'),
      );
    }
    return { ticketId, ticketTypeId: input.ticketTypeId, kind: TicketKind.Normal, emailQueueIds };
  }
}
