import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { findSubjectTag, normalizeAddress, type FoundSubjectTag } from '@twe/domain';
import type { ParsedInbound } from '@twe/mail';
import { EmailQueue, LogDirection, Ticket, TicketKind, TicketLog, type TicketType } from '@twe/persistence';

import { MAX_INT4, unique } from './db-values';

/** What the subject tag of a message points at, once checked against the database. */
export type TagResolution =
  /** No tag of ours in the subject. */
  | { kind: 'none' }
  /** A tag, but no such ticket/log pair, another tag word, or not a normal ticket: ignored. */
  | { kind: 'invalid'; tag: FoundSubjectTag; reason: string }
  /** A real ticket, and the sender takes part in it. */
  | { kind: 'participant'; tag: FoundSubjectTag; ticket: Ticket }
  /** A real ticket, but the sender never took part in it (a copied or forwarded tag). */
  | { kind: 'stranger'; tag: FoundSubjectTag; ticket: Ticket };

/** How many References are looked up (newest first); long threads otherwise cost a big IN list. */
const MAX_REFERENCES = 20;

/**
 * Threading rules (issue 4, in order): (a) a valid subject tag of a ticket the sender takes part in;
 * (b) In-Reply-To/References naming a Message-ID we sent (email_queue) or received (ticket_log) on a
 * ticket of the type; (c) otherwise a new ticket. The caller applies them per matched type.
 */
@Injectable()
export class ThreadResolver {
  /**
   * Checks the tag against the database: the ticket exists and is a normal ticket, the log belongs
   * to it, and the tag word is its type's. `[Support #123-999]` is easily forged or copied, so the
   * sender must also be a participant (see isParticipant) for the tag to thread.
   */
  async resolveTag(em: EntityManager, subject: string | null, sender: string | null): Promise<TagResolution> {
    const tag = findSubjectTag(subject);
    if (tag === null) return { kind: 'none' };
    if (tag.ticketId > MAX_INT4 || tag.logId > MAX_INT4) {
      return { kind: 'invalid', tag, reason: 'ids out of range' };
    }
    const log = await em.findOne(
      TicketLog,
      { id: tag.logId, ticket: tag.ticketId },
      { populate: ['ticket', 'ticket.type', 'ticket.contact'] },
    );
    if (log === null)
      return { kind: 'invalid', tag, reason: `log #${tag.logId} is not on ticket #${tag.ticketId}` };
    const ticket = log.ticket;
    if (ticket.kind !== TicketKind.Normal || ticket.type === null) {
      return { kind: 'invalid', tag, reason: `ticket #${ticket.id} has no ticket type` };
    }
    if (tagWord(tag.workflowTag) !== tagWord(ticket.type.workflowTag)) {
      return { kind: 'invalid', tag, reason: `tag word "${tag.workflowTag}" is not the type's` };
    }
    const participant = sender !== null && (await this.isParticipant(em, ticket, sender));
    return participant ? { kind: 'participant', tag, ticket } : { kind: 'stranger', tag, ticket };
  }

  /**
   * Someone who takes part in the ticket: its contact, the type's staff (admin, forward address),
   * or anyone who wrote or was addressed (To/Cc) on one of its messages.
   */
  async isParticipant(em: EntityManager, ticket: Ticket, sender: string): Promise<boolean> {
    const type = ticket.type;
    const staff = [type?.adminEmail, type?.emailForward, ticket.contact?.email].map((address) =>
      normalizeAddress(address),
    );
    if (staff.includes(sender)) return true;
    const [row] = await em.execute<Array<{ found: boolean }>>(
      `select exists (select 1 from ticket_log where ticket_id = ? and (participants @> ?::jsonb or lower(from_address) = ?)) as found`,
      [ticket.id, JSON.stringify([sender]), sender],
    );
    return row?.found === true;
  }

  /**
   * A ticket of this type that already holds a message this one answers: one of our notifications
   * (random Message-IDs, so only their recipients know them) or a message we received (a reply-all
   * of people copied on the first message). Newest match wins.
   */
  async findByReferences(em: EntityManager, parsed: ParsedInbound, type: TicketType): Promise<Ticket | null> {
    const referenced = unique(
      [parsed.inReplyTo, ...[...parsed.references].reverse()].filter(
        (id): id is string => typeof id === 'string',
      ),
    ).slice(0, MAX_REFERENCES);
    if (referenced.length === 0) return null;
    const sent = await em.findOne(
      EmailQueue,
      { messageId: { $in: referenced }, ticket: { type: type.id, kind: TicketKind.Normal } },
      { populate: ['ticket'], orderBy: { id: 'desc' } },
    );
    if (sent?.ticket) return sent.ticket;
    const received = await em.findOne(
      TicketLog,
      {
        messageId: { $in: referenced },
        direction: LogDirection.Inbound,
        ticket: { type: type.id, kind: TicketKind.Normal },
      },
      { populate: ['ticket'], orderBy: { id: 'desc' } },
    );
    return received?.ticket ?? null;
  }
}

/** Tag words compare case-insensitively and with white space runs collapsed (clients fold them). */
export function tagWord(word: string): string {
  return word.trim().replace(/\s+/gu, ' ').toLowerCase();
}
