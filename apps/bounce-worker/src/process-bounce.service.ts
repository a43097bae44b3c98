import { LockMode } from '@mikro-orm/core';
import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import {
  addressDomain,
  angleMessageId,
  BounceKind,
  normalizeAddress,
  parseBounce,
  type BounceVerdict,
} from '@twe/domain';
import { parseMessage, type ParsedInbound } from '@twe/mail';
import {
  BounceRecordKind,
  BounceSource,
  EmailQueue,
  InboundMessage,
  InboundState,
  recordBounces,
  TicketTask,
  TicketType,
  type BounceEmailMatch,
  type NewBounceRecord,
} from '@twe/persistence';

import { emailRowClues, orderedClues } from './bounce-email-match';

export interface BounceOutcome {
  /** The verdict kind, or `missing` (no such row) / `skipped` (already handled). */
  result: BounceKind | 'missing' | 'skipped';
  /** Bounce rows this run inserted. */
  bounceIds: number[];
  emailQueueId: number | null;
  undeliverableContactIds: number[];
}

/**
 * One captured message of the bounce mailbox -> bounce records, in one transaction together with
 * `inbound_message.state = processed`. It only writes rows: no mail is ever sent because of a bounce.
 */
@Injectable()
export class ProcessBounceService {
  private readonly logger = new Logger(ProcessBounceService.name);

  constructor(private readonly orm: MikroORM) {}

  async process(inboundMessageId: number): Promise<BounceOutcome> {
    const em = this.orm.em.fork();
    return em.transactional((tem) => this.processInTransaction(tem, inboundMessageId));
  }

  /** After the last attempt: staff see that (and why) it failed; the raw bytes stay. */
  async markFailed(inboundMessageId: number, reason: string): Promise<void> {
    await this.orm.em
      .fork()
      .nativeUpdate(
        InboundMessage,
        { id: inboundMessageId, state: InboundState.Captured },
        { state: InboundState.Failed, error: reason.replaceAll('\u0000', '').slice(0, 4000) },
      );
  }

  private async processInTransaction(em: EntityManager, inboundMessageId: number): Promise<BounceOutcome> {
    // FOR UPDATE: a job delivered twice waits here and then finds the row processed.
    const inbound = await em.findOne(InboundMessage, inboundMessageId, {
      lockMode: LockMode.PESSIMISTIC_WRITE,
      populate: ['raw'],
    });
    if (inbound === null)
      return { result: 'missing', bounceIds: [], emailQueueId: null, undeliverableContactIds: [] };
    if (inbound.state !== InboundState.Captured) {
      return { result: 'skipped', bounceIds: [], emailQueueId: null, undeliverableContactIds: [] };
    }

    const verdict = parseBounce(inbound.raw);
    const parsed = await parseMessage(inbound.raw).catch(() => null);
    const match = await this.findEmailRow(em, inbound.raw, verdict, parsed);
    // A bounce whose report names no readable recipient (the parser still calls it a bounce) is about
    // the address the matched email went to: VERP makes that exact even when the bounce quotes nothing.
    const sentTo =
      verdict.kind === BounceKind.Bounce && verdict.recipients.length === 0 && match !== null
        ? await this.firstRecipientOf(em, match.emailQueueId)
        : null;
    const records = recordsFor(inbound.id, verdict, parsed, match, sentTo);
    const recorded = await recordBounces(em, records);

    inbound.state = InboundState.Processed;
    inbound.processedAt = new Date();
    if (verdict.kind !== BounceKind.Bounce) inbound.error = null;
    await em.flush();
    if (verdict.kind === BounceKind.Bounce && match === null) {
      this.logger.warn(
        { inboundMessageId, recipients: verdict.recipients.length },
        'Bounce recorded, but no outbound email row could be matched to it',
      );
    }
    return {
      result: verdict.kind,
      bounceIds: recorded.insertedIds,
      emailQueueId: match?.emailQueueId ?? null,
      undeliverableContactIds: recorded.undeliverableContactIds,
    };
  }

  private async firstRecipientOf(em: EntityManager, emailQueueId: number): Promise<string | null> {
    const row = await em.findOne(EmailQueue, { id: emailQueueId }, { fields: ['toAddresses'] });
    return normalizeAddress(row?.toAddresses.split(',')[0]) ?? null;
  }

  private async findEmailRow(
    em: EntityManager,
    raw: Buffer,
    verdict: BounceVerdict,
    parsed: ParsedInbound | null,
  ): Promise<{ emailQueueId: number; by: BounceEmailMatch } | null> {
    const bounceTypes = await em.find(TicketType, { task: TicketTask.BounceBack }, { fields: ['emailTo'] });
    const clues = emailRowClues({
      deliveryAddresses: parsed ? [...parsed.envelopeRecipients, ...parsed.to, ...parsed.cc] : [],
      bounceDomains: [...new Set(bounceTypes.map((type) => addressDomain(type.emailTo)).filter(isString))],
      quotedMessageId: verdict.original.messageId,
      rawText: raw.toString('latin1'),
    });
    for (const clue of orderedClues(clues)) {
      const row = await em.findOne(
        EmailQueue,
        clue.emailQueueId !== undefined ? { id: clue.emailQueueId } : { messageId: clue.messageId },
        { fields: ['id'], orderBy: { id: 'desc' } },
      );
      if (row !== null) return { emailQueueId: row.id, by: clue.by };
    }
    return null;
  }
}

function recordsFor(
  inboundMessageId: number,
  verdict: BounceVerdict,
  parsed: ParsedInbound | null,
  match: { emailQueueId: number; by: BounceEmailMatch } | null,
  sentTo: string | null,
): NewBounceRecord[] {
  const common = {
    inboundMessageId,
    source: BounceSource.Dsn,
    reportingMta: verdict.reportingMta,
    // Stored as `<id@domain>`, like email_queue.message_id and ticket_log.message_id.
    originalMessageId: angleMessageId(verdict.original.messageId),
    originalSubject: verdict.original.subject,
    emailQueueId: match?.emailQueueId ?? null,
    emailMatchedBy: match?.by ?? null,
  };
  const kind = verdict.kind as BounceRecordKind;
  if (verdict.recipients.length > 0) {
    return verdict.recipients.map((entry) => ({
      ...common,
      kind,
      recipient: normalizeAddress(entry.recipient) ?? entry.recipient.toLowerCase(),
      status: entry.status,
      replyCode: entry.replyCode,
      reason: entry.reason,
      // Only a bounce can make an address undeliverable; an ARF report or auto-reply never does.
      hardBounce: kind === BounceRecordKind.Bounce && entry.hardBounce,
      diagnostic: entry.diagnostic,
    }));
  }
  // Nothing per recipient (a normal message, an auto-reply without a usable sender, a bounce the
  // parser could not read): one row, so staff still see what reached the bounce mailbox.
  return [
    {
      ...common,
      kind,
      recipient: sentTo ?? normalizeAddress(parsed?.fromAddress) ?? '',
      status: null,
      replyCode: null,
      reason: kind === BounceRecordKind.AutoReply ? 'vacation' : 'undefined',
      hardBounce: false,
      diagnostic:
        sentTo === null ? null : 'The bounce names no recipient; this is the address the email was sent to',
    },
  ];
}

function isString(value: string | null): value is string {
  return typeof value === 'string';
}
