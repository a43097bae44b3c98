import type { EntityManager } from '@mikro-orm/postgresql';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '@twe/config';
import { childThreadIndex, newMessageId, notificationDrafts, replyReferences } from '@twe/domain';
import type { ParsedInbound } from '@twe/mail';
import { EmailPurpose, EmailQueue, type Ticket, type TicketLog, type TicketType } from '@twe/persistence';
import { APP_CONFIG } from '@twe/runtime';

import { clip, dbText, WIDTH } from './db-values';
import type { StoredAttachment } from './message-bytes.repository';
import { ticketProcessorSettings } from './ticket-processor.settings';

export interface NotificationTarget {
  type: TicketType;
  ticket: Ticket;
  log: TicketLog;
  newTicket: boolean;
  attachments: StoredAttachment[];
}

/**
 * Builds the queued emails of new logs and enforces the per-sender cap
 * (NOTIFICATION_CAP_PER_SENDER_PER_HOUR): a sender past the cap still gets every message logged,
 * but the staff are not notified again within the hour, and the log says so.
 */
@Injectable()
export class NotificationPlanner {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * How many more logs of this sender may notify now. Takes a transaction-scoped lock per sender so
   * that parallel jobs of one sender count each other (the cap holds exactly, not roughly).
   */
  async remainingForSender(em: EntityManager, sender: string | null): Promise<number> {
    const cap = this.config.NOTIFICATION_CAP_PER_SENDER_PER_HOUR;
    if (sender === null) return cap;
    await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 1))', [`notify:${sender}`]);
    const [row] = await em.execute<Array<{ notified: number }>>(
      `select count(distinct l.id)::int as notified
         from ticket_log l
         join email_queue q on q.ticket_log_id = l.id
        where lower(l.from_address) = ? and l.created_at > now() - interval '1 hour'`,
      [sender],
    );
    return Math.max(0, cap - (row?.notified ?? 0));
  }

  /** One email to the admin, one to the forward address (never to the message's author). */
  build(
    em: EntityManager,
    target: NotificationTarget,
    parsed: ParsedInbound,
    sender: string | null,
  ): EmailQueue[] {
    const { type, ticket, log } = target;
    const drafts = notificationDrafts({
      type,
      ticketId: ticket.id,
      logId: log.id,
      newTicket: target.newTicket,
      sender,
      message: {
        fromAddress: parsed.fromAddress,
        fromName: parsed.fromName,
        date: parsed.date,
        subject: parsed.subject,
        text: parsed.text,
        attachmentNames: target.attachments.map((attachment) => attachment.filename),
      },
      quoteMaxChars: ticketProcessorSettings.notificationQuoteMaxChars,
    });
    const threadIndex = headerValue(parsed, 'thread-index');
    return drafts.map((draft, index) => {
      const email = new EmailQueue({
        purpose: draft.purpose === 'forward' ? EmailPurpose.Forward : EmailPurpose.Notification,
        fromAddress: draft.fromAddress,
        toAddresses: draft.toAddress,
        subject: dbText(draft.subject),
        messageId: newMessageId(this.config.MESSAGE_ID_DOMAIN),
      });
      em.persist(email);
      email.ticket = ticket;
      email.ticketLog = log;
      email.bodyText = dbText(draft.bodyText);
      email.attachmentIds = target.attachments.map((attachment) => attachment.id);
      // Echo the thread headers so mail clients keep the notification in the customer's thread.
      email.inReplyTo = parsed.messageId ? clip(dbText(parsed.messageId), WIDTH.messageId) : null;
      email.references = replyReferences(parsed.references, parsed.messageId);
      email.threadIndex = childThreadIndex(threadIndex, index);
      return email;
    });
  }
}

function headerValue(parsed: ParsedInbound, name: string): string | null {
  return parsed.headers.find((header) => header.key.toLowerCase() === name)?.value ?? null;
}
