import { LockMode } from '@mikro-orm/core';
import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '@twe/config';
import {
  detectAutoReply,
  findSubjectTag,
  formatTaggedSubject,
  matchTicketTypes,
  normalizeAddress,
  statusAfterCustomerReply,
  type TicketStatus as DomainTicketStatus,
} from '@twe/domain';
import { MessageParseError, parseMessage, parseMessageHeaders, type ParsedInbound } from '@twe/mail';
// A winmail.dat is stored followed by the files unpacked from it (docs/decisions/0025).
import { ticketFiles } from '@twe/mail';
import {
  Attachment,
  Contact,
  EmailPurpose,
  EmailQueue,
  InboundMessage,
  InboundState,
  LogDirection,
  Ticket,
  TicketKind,
  TicketLog,
  TicketStatus,
  TicketType,
} from '@twe/persistence';
import { APP_CONFIG } from '@twe/runtime';

import { routesToBounceWorker } from './bounce-routing';
import { formatMailbox, newMessageId, notificationText, replyReferences } from './notification-email';
import { ticketProcessorSettings } from './ticket-processor.settings';

export type InboundResult =
  /** The row is gone (nothing to do). */
  | 'missing'
  /** Already processed or failed: a repeated job changes nothing. */
  | 'skipped'
  /** Tickets of matched types were created or continued. */
  | 'tickets'
  /** No active type of the mailbox matched: one invalid ticket. */
  | 'invalid'
  /** Unreadable (truncated, empty, unparseable): one error ticket. */
  | 'error'
  /** The same message (Message-ID and sender) is already on the ticket(s): nothing new. */
  | 'duplicate'
  /** For the bounce-worker (bounce mailbox or VERP return path): nothing written here; the row stays `captured`. */
  | 'bounce';

export interface InboundOutcome {
  result: InboundResult;
  ticketIds: number[];
  logIds: number[];
  /** email_queue rows committed by this run, to enqueue `outbound.send` for. */
  emailQueueIds: number[];
}

interface NewLog {
  type: TicketType | null;
  ticket: Ticket;
  log: TicketLog;
  newTicket: boolean;
  attachments: Attachment[];
}

// Column widths of the schema (varchar lengths); longer values from hostile or broken mail are cut
// instead of failing the whole message.
const WIDTH = { address: 320, name: 300, messageId: 998, filename: 500, contentType: 255, contentId: 998 };
const MAX_INT4 = 2_147_483_647;

/**
 * Turns one captured message into tickets, logs and queued notifications, in one transaction:
 * either all of it is committed together with `inbound_message.state = processed`, or none of it.
 */
@Injectable()
export class ProcessInboundMessageService {
  private readonly logger = new Logger(ProcessInboundMessageService.name);

  constructor(
    private readonly orm: MikroORM,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async process(inboundMessageId: number): Promise<InboundOutcome> {
    const em = this.orm.em.fork();
    return em.transactional((tem) => this.processInTransaction(tem, inboundMessageId));
  }

  /**
   * After the last attempt: the row shows staff that (and why) it could not be processed; its raw
   * bytes stay. Only a row still in `captured` is changed.
   */
  async markFailed(inboundMessageId: number, reason: string): Promise<void> {
    const em = this.orm.em.fork();
    await em.nativeUpdate(
      InboundMessage,
      { id: inboundMessageId, state: InboundState.Captured },
      { state: InboundState.Failed, error: dbText(reason).slice(0, 4000) },
    );
  }

  private async processInTransaction(em: EntityManager, inboundMessageId: number): Promise<InboundOutcome> {
    // FOR UPDATE: BullMQ delivers at least once (a stalled job runs again elsewhere); the second
    // worker waits here and then finds the row processed.
    const inbound = await em.findOne(InboundMessage, inboundMessageId, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      populate: ['raw'],
    });
    if (inbound === null) return outcome('missing');
    if (inbound.state !== InboundState.Captured) return outcome('skipped');

    const raw = inbound.raw;
    if (inbound.truncated) {
      const limit = this.config.FETCH_MAX_MESSAGE_BYTES;
      return this.errorTicket(
        em,
        inbound,
        `Message is ${inbound.size} bytes; over the ${limit}-byte limit. The first ${raw.length} bytes are kept.`,
      );
    }
    let parsed: ParsedInbound;
    try {
      parsed = await parseMessage(raw);
    } catch (error) {
      if (error instanceof MessageParseError) return this.errorTicket(em, inbound, error.message);
      throw error;
    }
    return this.ticketsFor(em, inbound, parsed);
  }

  private async ticketsFor(
    em: EntityManager,
    inbound: InboundMessage,
    parsed: ParsedInbound,
  ): Promise<InboundOutcome> {
    const allTypes = await em.find(TicketType, {}, { orderBy: { id: 'asc' } });
    // Only the mailbox's own types: a message dragged into this mailbox from another one is
    // invalid here (SPEC "Invalid emails"), and a message sent to two mailboxes is handled once by
    // each. Ingested messages (no mailbox) may match any active type.
    const candidates = allTypes.filter(
      (type) => type.active && (inbound.mailbox === null || type.mailbox.id === inbound.mailbox.id),
    );
    const matched = matchTicketTypes(
      { to: parsed.to, cc: parsed.cc, envelope: parsed.envelopeRecipients },
      candidates,
    );
    // Bounces are the bounce-worker's (issue 5): no contact, ticket or notification from them here.
    if (
      routesToBounceWorker(
        { to: parsed.to, cc: parsed.cc, envelope: parsed.envelopeRecipients },
        matched,
        allTypes,
      )
    ) {
      return outcome('bounce');
    }

    const sender = normalizeAddress(parsed.fromAddress);
    const contact =
      sender !== null && sender.length <= WIDTH.address
        ? await this.findOrCreateContact(em, sender, parsed.fromName)
        : null;
    const quietReason = this.notificationSuppression(parsed, sender, allTypes);

    if (parsed.messageId !== null) {
      // Two copies of one message processed at the same moment would both miss each other in
      // findDuplicate; this lock (held until commit) makes the second wait and then see the first.
      await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [parsed.messageId]);
    }
    const created: NewLog[] = [];
    const duplicates: TicketLog[] = [];
    const targets: Array<TicketType | null> = matched.length > 0 ? matched : [null];
    for (const type of targets) {
      const duplicate = await this.findDuplicate(em, parsed, inbound, type);
      if (duplicate !== null) {
        duplicates.push(duplicate);
        continue;
      }
      let ticket = type === null ? null : await this.findThreadTicket(em, parsed, type);
      if (ticket !== null) {
        const next = statusAfterCustomerReply(ticket.status as DomainTicketStatus);
        if (next === null) {
          // Closed is final: the message starts a new ticket instead of reviving the old one.
          ticket = null;
        } else {
          ticket.status = next as TicketStatus;
          ticket.updatedAt = new Date();
        }
      }
      const newTicket = ticket === null;
      if (ticket === null) {
        ticket = new Ticket({
          type,
          kind: type === null ? TicketKind.Invalid : TicketKind.Normal,
          subject: ticketSubject(parsed.subject),
          contact,
        });
        em.persist(ticket);
      }
      const log = this.inboundLog(em, ticket, inbound, parsed);
      if (type !== null) {
        // SPEC §4.4: the receiver of the notification is recorded on the log.
        log.receiverEmail = clip(type.adminEmail, WIDTH.address);
        log.receiverName = clip(type.name, WIDTH.name);
        const adminAddress = normalizeAddress(type.adminEmail);
        log.receiverContact = adminAddress ? await em.findOne(Contact, { email: adminAddress }) : null;
      }
      const attachments = ticketFiles(parsed).map((file) => {
        const attachment = new Attachment({
          ticketLog: log,
          filename: file.filename === null ? null : clip(dbText(file.filename), WIDTH.filename),
          contentType: clip(dbText(file.contentType), WIDTH.contentType),
          size: file.size,
          sha256: file.sha256,
          content: file.content,
        });
        attachment.contentId = file.contentId === null ? null : clip(dbText(file.contentId), WIDTH.contentId);
        attachment.inline = file.inline;
        em.persist(attachment);
        return attachment;
      });
      created.push({ type, ticket, log, newTicket, attachments });
    }

    if (created.length === 0) {
      const first = duplicates[0];
      inbound.error = `Duplicate delivery of ${parsed.messageId}: already on ticket #${first.ticket.id} (log #${first.id})`;
      this.markProcessed(inbound);
      await em.flush();
      return outcome('duplicate');
    }

    // Ids are needed for the subject tag.
    await em.flush();
    const emails: EmailQueue[] = [];
    for (const entry of created) {
      if (entry.type === null) continue;
      if (quietReason !== null) {
        this.logger.log(
          { inboundMessageId: inbound.id, ticketId: entry.ticket.id, reason: quietReason },
          'No notification for an automatic message',
        );
        continue;
      }
      emails.push(...this.notifications(em, entry as NewLog & { type: TicketType }, parsed, sender));
    }
    this.markProcessed(inbound);
    await em.flush();

    return {
      result: matched.length > 0 ? 'tickets' : 'invalid',
      ticketIds: unique(created.map((entry) => entry.ticket.id)),
      logIds: created.map((entry) => entry.log.id),
      emailQueueIds: emails.map((email) => email.id),
    };
  }

  private async errorTicket(
    em: EntityManager,
    inbound: InboundMessage,
    reason: string,
  ): Promise<InboundOutcome> {
    // The headers alone often still say who wrote and about what; staff see it on the error ticket.
    const headers = await parseMessageHeaders(inbound.raw);
    const ticket = new Ticket({
      type: null,
      kind: TicketKind.Error,
      subject: dbText(headers?.subject?.trim() || '(unreadable message)'),
      contact: null,
    });
    ticket.errorReason = reason;
    const log = new TicketLog({
      ticket,
      inboundMessage: inbound,
      direction: LogDirection.Inbound,
      subject: dbText(headers?.subject ?? ''),
    });
    em.persist([ticket, log]);
    log.fromAddress = headers?.fromAddress ? clip(dbText(headers.fromAddress), WIDTH.address) : null;
    log.fromName = headers?.fromName ? clip(dbText(headers.fromName), WIDTH.name) : null;
    log.messageId = headers?.messageId ? clip(dbText(headers.messageId), WIDTH.messageId) : null;
    this.markProcessed(inbound);
    await em.flush();
    this.logger.warn(
      { inboundMessageId: inbound.id, ticketId: ticket.id, reason },
      'Unreadable message: error ticket',
    );
    return { result: 'error', ticketIds: [ticket.id], logIds: [log.id], emailQueueIds: [] };
  }

  /**
   * Race-safe find-or-create: two messages from a new sender processed at once both INSERT; the
   * unique index makes the second wait for the first and then do nothing, and both read the row.
   */
  private async findOrCreateContact(em: EntityManager, email: string, name: string | null): Promise<Contact> {
    await em
      .createQueryBuilder(Contact)
      .insert({ email, name: name ? clip(dbText(name), WIDTH.name) : null, createdAt: new Date() })
      .onConflict('email')
      .ignore()
      .execute();
    return em.findOneOrFail(Contact, { email });
  }

  /**
   * The ticket this message continues, for one matched type: a subject tag is trusted only when the
   * ticket exists, the log belongs to that ticket, the tag word is the type's and the ticket is of
   * this type (`[Support #123-999]` is easily forged). Without a valid tag, In-Reply-To/References
   * pointing at one of our own outbound Message-IDs (random, so only known to its recipients) also
   * thread the message.
   */
  private async findThreadTicket(
    em: EntityManager,
    parsed: ParsedInbound,
    type: TicketType,
  ): Promise<Ticket | null> {
    const tag = findSubjectTag(parsed.subject);
    if (
      tag !== null &&
      tagWord(tag.workflowTag) === tagWord(type.workflowTag) &&
      // Tags may carry up to 15 digits; PostgreSQL would reject such an id for an int column and
      // abort the transaction.
      tag.ticketId <= MAX_INT4 &&
      tag.logId <= MAX_INT4
    ) {
      const log = await em.findOne(
        TicketLog,
        { id: tag.logId, ticket: tag.ticketId },
        { populate: ['ticket'] },
      );
      if (log !== null && log.ticket.type?.id === type.id) return log.ticket;
    }

    const referenced = unique([parsed.inReplyTo, ...[...parsed.references].reverse()].filter(isString)).slice(
      0,
      20,
    );
    if (referenced.length > 0) {
      const ours = await em.findOne(
        EmailQueue,
        { messageId: { $in: referenced }, ticket: { type: type.id } },
        { populate: ['ticket'], orderBy: { id: 'desc' } },
      );
      if (ours?.ticket) return ours.ticket;
    }
    return null;
  }

  /**
   * The same message delivered twice (two MX hosts, a re-sent copy, a mailbox that got it twice)
   * has the same Message-ID and sender: the first copy's log stands for both.
   */
  private async findDuplicate(
    em: EntityManager,
    parsed: ParsedInbound,
    inbound: InboundMessage,
    type: TicketType | null,
  ): Promise<TicketLog | null> {
    if (parsed.messageId === null || parsed.fromAddress === null) return null;
    return em.findOne(
      TicketLog,
      {
        messageId: clip(dbText(parsed.messageId), WIDTH.messageId),
        fromAddress: clip(dbText(parsed.fromAddress), WIDTH.address),
        direction: LogDirection.Inbound,
        inboundMessage: { $ne: inbound.id },
        ticket: type === null ? { type: null, kind: TicketKind.Invalid } : { type: type.id },
      },
      { orderBy: { id: 'asc' } },
    );
  }

  /**
   * Why no notification may be sent for this message, or null. Auto-replies, bounces and list mail
   * (RFC 3834 & co.) and mail the engine sent itself would otherwise start notification loops:
   * out-of-office -> notification -> out-of-office... The message is still logged on its ticket.
   */
  private notificationSuppression(
    parsed: ParsedInbound,
    sender: string | null,
    types: TicketType[],
  ): string | null {
    const verdict = detectAutoReply(parsed.headers);
    if (verdict.isAutoReply) return `automatic message (${verdict.reasons.join('; ')})`;
    if (parsed.messageId?.toLowerCase().endsWith(`@${this.config.MESSAGE_ID_DOMAIN.toLowerCase()}>`)) {
      return 'sent by this engine (Message-ID)';
    }
    if (sender !== null && types.some((type) => normalizeAddress(type.emailTo) === sender)) {
      return 'sent from a ticket type address';
    }
    return null;
  }

  private inboundLog(
    em: EntityManager,
    ticket: Ticket,
    inbound: InboundMessage,
    parsed: ParsedInbound,
  ): TicketLog {
    const log = new TicketLog({
      ticket,
      inboundMessage: inbound,
      direction: LogDirection.Inbound,
      subject: dbText(parsed.subject ?? ''),
    });
    em.persist(log);
    log.fromAddress = parsed.fromAddress ? clip(dbText(parsed.fromAddress), WIDTH.address) : null;
    log.fromName = parsed.fromName ? clip(dbText(parsed.fromName), WIDTH.name) : null;
    log.messageId = parsed.messageId ? clip(dbText(parsed.messageId), WIDTH.messageId) : null;
    log.inReplyTo = parsed.inReplyTo ? clip(dbText(parsed.inReplyTo), WIDTH.messageId) : null;
    log.bodyText = parsed.text === null ? null : dbText(parsed.text);
    log.bodyHtml = parsed.html === null ? null : dbText(parsed.html);
    log.bodyTextNew = parsed.bodyTextNew == null ? null : dbText(parsed.bodyTextNew);
    log.quotedText = parsed.quotedText == null ? null : dbText(parsed.quotedText);
    return log;
  }

  /** One row to the admin email, one to the email-forward address; never to the message's author. */
  private notifications(
    em: EntityManager,
    entry: NewLog & { type: TicketType },
    parsed: ParsedInbound,
    sender: string | null,
  ): EmailQueue[] {
    const { type, ticket, log } = entry;
    const subject = formatTaggedSubject(
      { workflowTag: type.workflowTag, ticketId: ticket.id, logId: log.id },
      parsed.subject,
    );
    const bodyText = notificationText({
      ticketId: ticket.id,
      typeName: type.name,
      newTicket: entry.newTicket,
      fromAddress: parsed.fromAddress,
      fromName: parsed.fromName,
      date: parsed.date,
      subject: parsed.subject,
      text: parsed.text,
      attachmentNames: entry.attachments.map((attachment) => attachment.filename),
      quoteMaxChars: ticketProcessorSettings.notificationQuoteMaxChars,
    });
    const recipients: Array<{ purpose: EmailPurpose; address: string }> = [
      { purpose: EmailPurpose.Notification, address: type.adminEmail },
    ];
    if (type.emailForward) recipients.push({ purpose: EmailPurpose.Forward, address: type.emailForward });

    const emails: EmailQueue[] = [];
    const seen = new Set<string>();
    for (const recipient of recipients) {
      const address = normalizeAddress(recipient.address);
      if (address === null || seen.has(address)) continue;
      seen.add(address);
      // Staff answering a notification by email must not be notified of their own message.
      if (address === sender) continue;
      const email = new EmailQueue({
        purpose: recipient.purpose,
        fromAddress: formatMailbox(type.name, type.emailTo),
        toAddresses: recipient.address.trim(),
        subject: dbText(subject),
        messageId: newMessageId(this.config.MESSAGE_ID_DOMAIN),
      });
      em.persist(email);
      email.ticket = ticket;
      email.ticketLog = log;
      email.bodyText = dbText(bodyText);
      email.attachmentIds = entry.attachments.map((attachment) => attachment.id);
      email.inReplyTo = parsed.messageId ? clip(dbText(parsed.messageId), WIDTH.messageId) : null;
      email.references = replyReferences(parsed.references, parsed.messageId);
      emails.push(email);
    }
    return emails;
  }

  private markProcessed(inbound: InboundMessage): void {
    inbound.state = InboundState.Processed;
    inbound.processedAt = new Date();
  }
}

function outcome(result: InboundResult): InboundOutcome {
  return { result, ticketIds: [], logIds: [], emailQueueIds: [] };
}

function ticketSubject(subject: string | null): string {
  const trimmed = subject?.trim() ?? '';
  return trimmed === '' ? '(no subject)' : dbText(trimmed);
}

/** Tag words compare case-insensitively and with white space runs collapsed (clients fold them). */
function tagWord(word: string): string {
  return word.trim().replace(/\s+/gu, ' ').toLowerCase();
}

/** PostgreSQL text cannot hold NUL characters; broken mail has them. */
function dbText(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
}

function clip(value: string, length: number): string {
  return value.length > length ? value.slice(0, length) : value;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function isString(value: string | null): value is string {
  return typeof value === 'string';
}
