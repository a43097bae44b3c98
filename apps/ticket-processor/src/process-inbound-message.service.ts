import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '@twe/config';
import {
  detectLoopRisk,
  extractAddresses,
  matchTicketTypes,
  normalizeAddress,
  statusAfterCustomerReply,
  type LoopGuardVerdict,
  type TicketStatus as DomainTicketStatus,
} from '@twe/domain';
import {
  MessageParseError,
  parseMessage,
  parseMessageHeaders,
  ticketFiles,
  type ParsedAttachment,
  type ParsedInbound,
} from '@twe/mail';
import {
  Contact,
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
import { clip, dbText, unique, WIDTH } from './db-values';
import { MessageBytesRepository, type StoredAttachment } from './message-bytes.repository';
import { NotificationPlanner } from './notification-planner.service';
import { SaveTableWriter } from './save-table-writer.service';
import { ThreadResolver } from './thread-resolver.service';
import { changeTicketStatus } from './ticket-status-recorder';

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
  /** The files to store with the log (written once the log has its id). */
  files: ParsedAttachment[];
  /** The stored files (set after the first flush). */
  attachments: StoredAttachment[];
}

/** Where one copy of the message goes: a type (or the invalid bucket) and the ticket it continues. */
interface Target {
  type: TicketType | null;
  /** null: a new ticket. */
  ticket: Ticket | null;
  /** Why it was threaded this way, when that is worth telling the staff. */
  note: string | null;
}

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
    private readonly threads: ThreadResolver,
    private readonly notifications: NotificationPlanner,
    private readonly saveTable: SaveTableWriter,
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
    // worker waits here and then finds the row processed. The bytes are read beside the entity, not
    // into it (docs/decisions/0050).
    const locked = await new MessageBytesRepository(em).lockWithRaw(inboundMessageId);
    if (locked === null) return outcome('missing');
    const { inbound, raw } = locked;
    if (inbound.state !== InboundState.Captured) return outcome('skipped');

    if (inbound.truncated) {
      const limit = this.config.FETCH_MAX_MESSAGE_BYTES;
      return this.errorTicket(
        em,
        inbound,
        raw,
        `Message is ${inbound.size} bytes; over the ${limit}-byte limit. The first ${raw.length} bytes are kept.`,
      );
    }
    let parsed: ParsedInbound;
    try {
      parsed = await parseMessage(raw);
    } catch (error) {
      if (error instanceof MessageParseError) return this.errorTicket(em, inbound, raw, error.message);
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
    const recipients = { to: parsed.to, cc: parsed.cc, envelope: parsed.envelopeRecipients };
    const matched = matchTicketTypes(recipients, candidates);
    // Bounces are the bounce-worker's (issue 5): no contact, ticket or notification from them here.
    if (routesToBounceWorker(recipients, matched, allTypes)) return outcome('bounce');

    const sender = normalizeAddress(parsed.fromAddress);
    const contact =
      sender !== null && sender.length <= WIDTH.address
        ? await this.findOrCreateContact(em, sender, parsed.fromName)
        : null;
    const machine = detectLoopRisk(
      { headers: parsed.headers, fromAddress: parsed.fromAddress, messageId: parsed.messageId },
      {
        ownMessageIdDomain: this.config.MESSAGE_ID_DOMAIN,
        ownAddresses: allTypes.map((type) => type.emailTo),
      },
    );

    if (parsed.messageId !== null) {
      // Two copies of one message processed at the same moment would both miss each other in
      // findDuplicate; this lock (held until commit) makes the second wait and then see the first.
      await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [parsed.messageId]);
    }

    const plan = await this.planTargets(em, parsed, sender, matched);
    const created: NewLog[] = [];
    const duplicates: TicketLog[] = [];
    for (const target of plan) {
      const duplicate = await this.findDuplicate(em, parsed, inbound, target.type);
      if (duplicate !== null) {
        duplicates.push(duplicate);
        continue;
      }
      created.push(await this.addLog(em, inbound, parsed, target, { contact, sender, machine }));
    }

    if (created.length === 0) {
      const first = duplicates[0];
      inbound.error = `Duplicate delivery of ${parsed.messageId}: already on ticket #${first.ticket.id} (log #${first.id})`;
      this.markProcessed(inbound);
      await em.flush();
      return outcome('duplicate');
    }

    // Ids are needed for the subject tag, the save table and the attachment rows.
    await em.flush();
    const bytes = new MessageBytesRepository(em);
    for (const entry of created) entry.attachments = await bytes.insertAttachments(entry.log.id, entry.files);
    for (const entry of created) {
      if (entry.type !== null && entry.newTicket && entry.type.saveTable !== null) {
        await this.saveTable.write(em, entry.type, entry.ticket, {
          from: parsed.fromAddress === null ? null : dbText(parsed.fromAddress),
          subject: parsed.subject === null ? null : dbText(parsed.subject),
          body: parsed.text === null ? null : dbText(parsed.text),
        });
      }
    }
    const emails = await this.queueNotifications(em, inbound, parsed, sender, machine.machine, created);
    this.markProcessed(inbound);
    await em.flush();

    return {
      result: created.some((entry) => entry.type !== null) ? 'tickets' : 'invalid',
      ticketIds: unique(created.map((entry) => entry.ticket.id)),
      logIds: created.map((entry) => entry.log.id),
      emailQueueIds: emails.map((email) => email.id),
    };
  }

  /**
   * Where the message goes: per matched type (or the invalid bucket) an existing ticket (tag of a
   * participant, then References), else a new one. A participant's tagged reply sent to another
   * address (another type's, or none of ours) goes to the tagged ticket only.
   */
  private async planTargets(
    em: EntityManager,
    parsed: ParsedInbound,
    sender: string | null,
    matched: TicketType[],
  ): Promise<Target[]> {
    const tag = await this.threads.resolveTag(em, parsed.subject, sender);
    if (tag.kind === 'participant' && !matched.some((type) => type.id === tag.ticket.type!.id)) {
      const addressed =
        matched.length > 0 ? matched.map((type) => type.emailTo).join(', ') : 'no ticket type';
      return [
        {
          type: tag.ticket.type!,
          ticket: tag.ticket,
          note: `Threaded by tag [${tag.tag.workflowTag} #${tag.tag.ticketId}-${tag.tag.logId}]: the sender takes part in the ticket; the message was addressed to ${addressed}`,
        },
      ];
    }
    if (matched.length === 0) {
      const note =
        tag.kind === 'stranger'
          ? `Tag [${tag.tag.workflowTag} #${tag.tag.ticketId}-${tag.tag.logId}] names ticket #${tag.ticket.id}, but the sender does not take part in it`
          : null;
      return [{ type: null, ticket: null, note }];
    }
    const targets: Target[] = [];
    for (const type of matched) {
      const tagged = tag.kind === 'participant' || tag.kind === 'stranger' ? tag : null;
      if (tagged !== null && tagged.ticket.type!.id === type.id) {
        if (tagged.kind === 'participant') {
          targets.push({ type, ticket: tagged.ticket, note: null });
          continue;
        }
        // A copied or forwarded tag: the stranger gets a ticket of their own, noted for the staff.
        targets.push({
          type,
          ticket: null,
          note: `Tag [${tagged.tag.workflowTag} #${tagged.tag.ticketId}-${tagged.tag.logId}] names ticket #${tagged.ticket.id}, but the sender does not take part in it: new ticket`,
        });
        continue;
      }
      const referenced = await this.threads.findByReferences(em, parsed, type);
      const note =
        tag.kind === 'invalid'
          ? `Tag [${tag.tag.workflowTag} #${tag.tag.ticketId}-${tag.tag.logId}] ignored: ${tag.reason}`
          : null;
      targets.push({ type, ticket: referenced, note });
    }
    return targets;
  }

  /** One inbound log on the target's ticket (continued or new), with its status consequences. */
  private async addLog(
    em: EntityManager,
    inbound: InboundMessage,
    parsed: ParsedInbound,
    target: Target,
    context: { contact: Contact | null; sender: string | null; machine: LoopGuardVerdict },
  ): Promise<NewLog> {
    const { type } = target;
    let ticket = target.ticket === null ? null : await this.successor(em, target.ticket);
    const notes = target.note === null ? [] : [target.note];
    let previous: Ticket | null = null;
    let reopen: TicketStatus | null = null;
    if (ticket !== null && !context.machine.machine && !this.isStaff(type, context.sender)) {
      const next = statusAfterCustomerReply(ticket.status as DomainTicketStatus);
      if (next === null) {
        // Closed is final: the message starts a new ticket linked to the closed one.
        notes.push(`Ticket #${ticket.id} is closed: new ticket`);
        previous = ticket;
        ticket = null;
      } else {
        reopen = next as TicketStatus;
      }
    }
    const newTicket = ticket === null;
    if (ticket === null) {
      ticket = new Ticket({
        type,
        kind: type === null ? TicketKind.Invalid : TicketKind.Normal,
        subject: ticketSubject(parsed.subject),
        contact: context.contact,
      });
      ticket.previousTicket = previous;
      em.persist(ticket);
    }
    const log = this.inboundLog(em, ticket, inbound, parsed);
    log.threadingNote = notes.length > 0 ? notes.join('; ') : null;
    log.machineMail = context.machine.machine
      ? `${context.machine.kinds.join(', ')}: ${context.machine.reasons.join('; ')}`
      : null;
    if (newTicket) {
      const cause = previous === null ? 'new message' : `new message after ticket #${previous.id} was closed`;
      changeTicketStatus(em, ticket, TicketStatus.New, cause, log, null);
    } else if (reopen !== null) {
      changeTicketStatus(
        em,
        ticket,
        reopen,
        `customer reply from ${context.sender ?? 'an unknown sender'}`,
        log,
      );
    }
    if (type !== null) {
      // SPEC §4.4: the receiver of the notification is recorded on the log.
      log.receiverEmail = clip(type.adminEmail, WIDTH.address);
      log.receiverName = clip(type.name, WIDTH.name);
      const adminAddress = normalizeAddress(type.adminEmail);
      log.receiverContact = adminAddress ? await em.findOne(Contact, { email: adminAddress }) : null;
    }
    // A winmail.dat is stored followed by the files unpacked from it (docs/decisions/0025). The rows
    // are written with bound parameters after the flush that gives the log its id (decision 0050).
    return { type, ticket, log, newTicket, files: ticketFiles(parsed), attachments: [] };
  }

  /**
   * A closed ticket that was already continued by a newer one: later replies to the old thread go
   * to the newest open continuation instead of opening yet another ticket.
   */
  private async successor(em: EntityManager, ticket: Ticket): Promise<Ticket> {
    let current = ticket;
    for (let hops = 0; hops < 10 && current.status === TicketStatus.Closed; hops++) {
      const next = await em.findOne(Ticket, { previousTicket: current.id }, { orderBy: { id: 'desc' } });
      if (next === null) break;
      current = next;
    }
    return current;
  }

  /** The type's own staff writing (an admin answering a notification) neither reopens nor is notified. */
  private isStaff(type: TicketType | null, sender: string | null): boolean {
    if (type === null || sender === null) return false;
    return normalizeAddress(type.adminEmail) === sender || normalizeAddress(type.emailForward) === sender;
  }

  /**
   * Notifications of the new logs, unless the message is machine mail (no notification, forward or
   * reply: that is how loops start) or its sender is past the hourly cap. Either way the log says why.
   */
  private async queueNotifications(
    em: EntityManager,
    inbound: InboundMessage,
    parsed: ParsedInbound,
    sender: string | null,
    machine: boolean,
    created: NewLog[],
  ): Promise<EmailQueue[]> {
    const emails: EmailQueue[] = [];
    const typed = created.filter((entry): entry is NewLog & { type: TicketType } => entry.type !== null);
    if (typed.length === 0) return emails;
    if (machine) {
      for (const entry of typed) entry.log.notificationNote = 'No notification: machine mail';
      this.logger.log(
        {
          inboundMessageId: inbound.id,
          ticketIds: typed.map((entry) => entry.ticket.id),
          reason: typed[0].log.machineMail,
        },
        'No notification for an automatic message',
      );
      return emails;
    }
    let remaining = await this.notifications.remainingForSender(em, sender);
    for (const entry of typed) {
      if (remaining <= 0) {
        entry.log.notificationNote = `No notification: ${sender} reached the cap of ${this.config.NOTIFICATION_CAP_PER_SENDER_PER_HOUR} notified messages per hour`;
        this.logger.warn(
          { inboundMessageId: inbound.id, ticketId: entry.ticket.id, sender },
          'Notification cap reached for the sender',
        );
        continue;
      }
      remaining--;
      const built = this.notifications.build(em, entry, parsed, sender);
      if (built.length === 0) entry.log.notificationNote = 'No notification: written by the staff address';
      emails.push(...built);
    }
    return emails;
  }

  private async errorTicket(
    em: EntityManager,
    inbound: InboundMessage,
    raw: Buffer,
    reason: string,
  ): Promise<InboundOutcome> {
    // The headers alone often still say who wrote and about what; staff see it on the error ticket.
    const headers = await parseMessageHeaders(raw);
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
   * A row this insert created comes back with it (one round trip less: decision 0050); only after
   * a conflict is the existing row read, by a new statement that sees the other's commit.
   */
  private async findOrCreateContact(em: EntityManager, email: string, name: string | null): Promise<Contact> {
    const [inserted] = await em.execute<Array<Record<string, unknown>>>(
      'insert into "contact" ("email", "name", "created_at") values (?, ?, ?) on conflict ("email") do nothing returning *',
      [email, name ? clip(dbText(name), WIDTH.name) : null, new Date()],
    );
    if (inserted !== undefined) return em.map(Contact, inserted);
    return em.findOneOrFail(Contact, { email });
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
        // A copy that matches no type here (a second mailbox, a copy dragged elsewhere) is a
        // duplicate of the message wherever it is already logged.
        ...(type === null ? {} : { ticket: { type: type.id } }),
      },
      { orderBy: { id: 'asc' } },
    );
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
    log.participants = unique(
      [parsed.fromAddress, ...parsed.to, ...parsed.cc].flatMap((address) => extractAddresses(address)),
    ).filter((address) => address.length <= WIDTH.address);
    return log;
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
