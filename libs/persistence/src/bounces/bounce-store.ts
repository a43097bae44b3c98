import type { EntityManager } from '@mikro-orm/postgresql';

import { BounceRecordKind, type BounceEmailMatch, type BounceSource } from '../entities/bounce.entity';
import { EmailStatus } from '../entities/email-queue.entity';

/**
 * The writes every producer of bounce records shares (the bounce-worker for DSNs, the mail-sender for
 * SMTP rejections, the gateway for resolving): one place decides what a bounce does to the contact
 * and to the email row.
 */

export interface NewBounceRecord {
  inboundMessageId: number | null;
  source: BounceSource;
  kind: BounceRecordKind;
  /** Normalised (lower-case) address; '' when unknown. */
  recipient: string;
  status: string | null;
  replyCode: string | null;
  reason: string;
  hardBounce: boolean;
  diagnostic: string | null;
  reportingMta: string | null;
  originalMessageId: string | null;
  originalSubject: string | null;
  emailQueueId: number | null;
  emailMatchedBy: BounceEmailMatch | null;
}

export interface RecordedBounces {
  /** Ids of the rows this call inserted (a repeated call inserts none). */
  insertedIds: number[];
  /** Contacts this call marked undeliverable. */
  undeliverableContactIds: number[];
}

// Column widths of the bounce table: hostile or broken bounces must not fail the whole message.
const WIDTH = { recipient: 320, status: 20, replyCode: 10, reason: 40, reportingMta: 255, messageId: 998 };

/**
 * Inserts the records (idempotent: the unique keys make a repeated call a no-op), marks the answered
 * email row `bounced` and, for hard bounces, the contacts with that address undeliverable. Run it in
 * the caller's transaction.
 */
export async function recordBounces(em: EntityManager, records: NewBounceRecord[]): Promise<RecordedBounces> {
  const insertedIds: number[] = [];
  const undeliverableContactIds: number[] = [];
  for (const record of records) {
    const inserted = await em.execute<Array<{ id: number; created_at: Date }>>(
      `insert into "bounce" ("inbound_message_id", "source", "kind", "recipient", "status", "reply_code",
         "reason", "hard_bounce", "diagnostic", "reporting_mta", "original_message_id", "original_subject",
         "email_queue_id", "email_matched_by")
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict do nothing returning "id", "created_at"`,
      [
        record.inboundMessageId,
        record.source,
        record.kind,
        clip(record.recipient, WIDTH.recipient),
        clipOrNull(record.status, WIDTH.status),
        clipOrNull(record.replyCode, WIDTH.replyCode),
        clip(record.reason, WIDTH.reason),
        record.hardBounce,
        dbTextOrNull(record.diagnostic),
        clipOrNull(record.reportingMta, WIDTH.reportingMta),
        clipOrNull(record.originalMessageId, WIDTH.messageId),
        dbTextOrNull(record.originalSubject),
        record.emailQueueId,
        record.emailMatchedBy,
      ],
    );
    if (inserted.length === 0) continue;
    const bounceId = inserted[0].id;
    insertedIds.push(bounceId);
    if (record.kind !== BounceRecordKind.Bounce) continue;

    if (record.emailQueueId !== null) {
      // Only a row our relay accepted becomes `bounced`; a `failed` row (refused at RCPT) stays
      // failed, and either way the time of the first bounce is kept.
      await em.execute(
        `update "email_queue" set "bounced_at" = coalesce("bounced_at", now()),
           "status" = case when "status" = ? then ? else "status" end
         where "id" = ?`,
        [EmailStatus.Sent, EmailStatus.Bounced, record.emailQueueId],
      );
    }
    if (record.hardBounce && record.recipient !== '') {
      const marked = await em.execute<Array<{ id: number }>>(
        `update "contact" set "undeliverable_since" = now(), "undeliverable_reason" = ?
          where "email" = ? and "undeliverable_since" is null returning "id"`,
        [undeliverableReason(bounceId, record), record.recipient],
      );
      undeliverableContactIds.push(...marked.map((row) => row.id));
    }
  }
  return { insertedIds, undeliverableContactIds };
}

export interface ResolvedBounces {
  /** Ids that were unresolved and are resolved now (already resolved or unknown ids are left out). */
  resolvedIds: number[];
  /** Contacts whose last unresolved hard bounce this resolved: they receive mail again. */
  deliverableAgainContactIds: number[];
}

/**
 * Resolves bounces; a contact whose last unresolved hard bounce is among them is deliverable again.
 * Run it in the caller's transaction.
 */
export async function resolveBounces(
  em: EntityManager,
  ids: number[],
  resolution: { by: string | null; note: string | null },
): Promise<ResolvedBounces> {
  if (ids.length === 0) return { resolvedIds: [], deliverableAgainContactIds: [] };
  const resolved = await em.execute<Array<{ id: number; recipient: string; hard_bounce: boolean }>>(
    `update "bounce" set "resolved_at" = now(), "resolved_by" = ?, "resolution_note" = ?
      where "id" = any(?::int[]) and "resolved_at" is null
      returning "id", "recipient", "hard_bounce"`,
    [resolution.by, resolution.note, `{${ids.join(',')}}`],
  );
  const recipients = [...new Set(resolved.filter((row) => row.hard_bounce).map((row) => row.recipient))];
  const cleared = recipients.length
    ? await em.execute<Array<{ id: number }>>(
        `update "contact" set "undeliverable_since" = null, "undeliverable_reason" = null
          where "email" = any(?::text[]) and "undeliverable_since" is not null
            and not exists (select 1 from "bounce" b where b."recipient" = "contact"."email"
                              and b."kind" = ? and b."hard_bounce" and b."resolved_at" is null)
          returning "id"`,
        [pgTextArray(recipients), BounceRecordKind.Bounce],
      )
    : [];
  return {
    resolvedIds: resolved.map((row) => row.id).sort((a, b) => a - b),
    deliverableAgainContactIds: cleared.map((row) => row.id),
  };
}

export interface UndeliverableRecipient {
  address: string;
  since: Date;
  /** The latest unresolved hard bounce of the address, for the error text; null if none is left. */
  bounceId: number | null;
}

/** The first of `addresses` (normalised) whose contact is marked undeliverable, or null. */
export async function findUndeliverableRecipient(
  em: EntityManager,
  addresses: string[],
): Promise<UndeliverableRecipient | null> {
  if (addresses.length === 0) return null;
  const rows = await em.execute<
    Array<{ email: string; undeliverable_since: Date; bounce_id: number | null }>
  >(
    `select c."email", c."undeliverable_since",
        (select max(b."id") from "bounce" b where b."recipient" = c."email" and b."kind" = ?
           and b."hard_bounce" and b."resolved_at" is null) as "bounce_id"
       from "contact" c where c."email" = any(?::text[]) and c."undeliverable_since" is not null`,
    [BounceRecordKind.Bounce, pgTextArray(addresses)],
  );
  const byAddress = new Map(rows.map((row) => [row.email, row]));
  for (const address of addresses) {
    const row = byAddress.get(address);
    if (row) return { address, since: new Date(row.undeliverable_since), bounceId: row.bounce_id };
  }
  return null;
}

function undeliverableReason(bounceId: number, record: NewBounceRecord): string {
  const code = [record.status, record.replyCode].filter(Boolean).join(' ');
  return dbText(`Hard bounce #${bounceId}: ${record.reason}${code ? ` (${code})` : ''}`).slice(0, 2000);
}

/** A PostgreSQL text[] literal; every element quoted, so commas and quotes in addresses are safe. */
function pgTextArray(values: string[]): string {
  return `{${values.map((value) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}

/** PostgreSQL text cannot hold NUL characters; broken mail has them. */
function dbText(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
}

function dbTextOrNull(value: string | null): string | null {
  return value === null ? null : dbText(value);
}

function clip(value: string, length: number): string {
  const text = dbText(value);
  return text.length > length ? text.slice(0, length) : text;
}

function clipOrNull(value: string | null, length: number): string | null {
  return value === null ? null : clip(value, length);
}
