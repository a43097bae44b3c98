import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '@twe/config';
import { classifySmtpError, extractAddresses, LOOP_HEADER, OUTBOUND_EMAIL_ID_HEADER } from '@twe/domain';
import { EmailPurpose, EmailQueue, EmailStatus, findUndeliverableRecipient } from '@twe/persistence';
import { APP_CONFIG } from '@twe/runtime';
import type Mail from 'nodemailer/lib/mailer';

import { recordRecipientRejections } from './recipient-rejections';
import { ReturnPathService } from './return-path.service';
import { SmtpTransportHolder } from './smtp-transport.provider';

export type SendResult =
  | 'sent'
  /** The row was already `sent` or `failed`: a repeated job changes nothing. */
  | 'already-done'
  | 'missing';

/** The server refused the email for good (5xx): retrying gets the same answer. */
export class PermanentSendError extends Error {
  override name = 'PermanentSendError';
}

/** Worth another try later (4xx, network, the row is being sent elsewhere). */
export class TransientSendError extends Error {
  override name = 'TransientSendError';
}

/**
 * Sends one email_queue row. The row is a small state machine:
 *   queued -> sending (attempts+1, sendingStartedAt; committed before any byte goes out)
 *   sending -> sent | failed (5xx, or the last attempt) | queued (4xx / network, retried)
 * Only the worker that moved the row to `sending` may move it on.
 */
@Injectable()
export class SendEmailService {
  private readonly logger = new Logger(SendEmailService.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly smtp: SmtpTransportHolder,
    private readonly returnPath: ReturnPathService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async send(emailQueueId: number, options: { finalAttempt: boolean }): Promise<SendResult> {
    const em = this.orm.em.fork();
    // The claimed row comes back with the claim (one round trip less per email: decision 0050).
    const claimed = await em.execute<Array<Record<string, unknown>>>(
      `update "email_queue" set "status" = ?, "attempts" = "attempts" + 1, "sending_started_at" = now()
        where "id" = ? and "status" = ? returning *`,
      [EmailStatus.Sending, emailQueueId, EmailStatus.Queued],
    );
    if (claimed.length === 0) return this.notClaimed(em, emailQueueId);

    const email = em.map(EmailQueue, claimed[0]);
    await this.refuseUndeliverable(em, email);
    let info: { accepted?: unknown[]; rejected?: unknown[] };
    try {
      const message = await this.message(em, email);
      info = await this.smtp.transport.sendMail(message);
    } catch (error) {
      return this.sendFailed(em, email, error, options.finalAttempt);
    }

    // A server that accepts some recipients and refuses others does not throw; the refused ones are
    // recorded on the sent row.
    const rejected = (info.rejected ?? []).map(String);
    await this.finish(em, emailQueueId, {
      status: EmailStatus.Sent,
      sentAt: new Date(),
      lastError: rejected.length > 0 ? `Refused recipients: ${rejected.join(', ')}` : null,
    });
    if (rejected.length > 0) await this.recordRejections(em, emailQueueId, info);
    return 'sent';
  }

  private async notClaimed(em: EntityManager, emailQueueId: number): Promise<SendResult> {
    const row = await em.findOne(EmailQueue, emailQueueId, { fields: ['id', 'status', 'sendingStartedAt'] });
    if (row === null) return 'missing';
    if (
      row.status === EmailStatus.Sent ||
      row.status === EmailStatus.Failed ||
      row.status === EmailStatus.Bounced
    ) {
      return 'already-done';
    }
    // `sending`: another worker has it, or one died mid-send (the stuck-sending sweeper puts it back
    // to `queued` after a while). Try again later rather than risk sending it twice now.
    throw new TransientSendError(
      `Email ${emailQueueId} is ${row.status} since ${row.sendingStartedAt?.toISOString() ?? '(unknown)'}; retrying later`,
    );
  }

  private async sendFailed(
    em: EntityManager,
    email: EmailQueue,
    error: unknown,
    finalAttempt: boolean,
  ): Promise<never> {
    const problem = classifySmtpError(error);
    if (problem.kind === 'permanent') {
      await this.finish(em, email.id, { status: EmailStatus.Failed, lastError: problem.message });
      await this.recordRejections(em, email.id, error);
      throw new PermanentSendError(problem.message);
    }
    if (finalAttempt) {
      await this.finish(em, email.id, {
        status: EmailStatus.Failed,
        lastError: `Gave up after ${email.attempts} attempt(s): ${problem.message}`,
      });
      throw new PermanentSendError(problem.message);
    }
    await this.finish(em, email.id, { status: EmailStatus.Queued, lastError: problem.message });
    throw new TransientSendError(problem.message);
  }

  /**
   * SPEC §6: a contact with an unresolved hard bounce gets no mail until staff resolve it. The row
   * fails for good with the reason; resolving the bounce and re-queuing the row sends it.
   */
  private async refuseUndeliverable(em: EntityManager, email: EmailQueue): Promise<void> {
    const recipients = [...extractAddresses(email.toAddresses), ...extractAddresses(email.ccAddresses)];
    const blocked = await findUndeliverableRecipient(em, recipients);
    if (blocked === null) return;
    const bounce = blocked.bounceId === null ? '' : ` (bounce #${blocked.bounceId})`;
    const reason = `recipient ${blocked.address} is marked undeliverable since ${blocked.since.toISOString()}${bounce}: resolve the bounce to send again`;
    await this.finish(em, email.id, { status: EmailStatus.Failed, lastError: reason });
    throw new PermanentSendError(reason);
  }

  /** Refused recipients are bounces too; a failure to record them must not change the send's outcome. */
  private async recordRejections(em: EntityManager, emailQueueId: number, source: unknown): Promise<void> {
    try {
      const bounceIds = await recordRecipientRejections(em.fork(), emailQueueId, source);
      if (bounceIds.length > 0)
        this.logger.warn({ emailQueueId, bounceIds }, 'Recipients refused: bounces recorded');
    } catch (error) {
      this.logger.error({ emailQueueId, err: error }, 'Could not record the refused recipients as bounces');
    }
  }

  /** Moves the row on from `sending`; a row the sweeper already took back is left alone. */
  private async finish(
    em: EntityManager,
    emailQueueId: number,
    fields: { status: EmailStatus; lastError: string | null; sentAt?: Date },
  ): Promise<void> {
    const changed = await em.nativeUpdate(
      EmailQueue,
      { id: emailQueueId, status: EmailStatus.Sending },
      fields,
    );
    if (changed === 0) {
      this.logger.warn(
        { emailQueueId, status: fields.status },
        'Email row left `sending` before this send finished',
      );
    }
  }

  private async message(em: EntityManager, email: EmailQueue): Promise<Mail.Options> {
    const files = await this.attachmentsOf(em, email.attachmentIds);
    const byId = new Map(files.map((file) => [file.id, file]));
    const missing = email.attachmentIds.filter((id) => !byId.has(id));
    if (missing.length > 0) {
      this.logger.warn(
        { emailQueueId: email.id, missing },
        'Attachments of the email no longer exist; sending without them',
      );
    }
    const automatic = email.purpose === EmailPurpose.Notification || email.purpose === EmailPurpose.Forward;
    const envelopeFrom = await this.returnPath.envelopeSender(em, email.id);
    return {
      from: email.fromAddress,
      // Bounces go to the envelope sender: our VERP return path names this row (docs/decisions/0047).
      envelope: envelopeFrom
        ? {
            from: envelopeFrom,
            to: [...extractAddresses(email.toAddresses), ...extractAddresses(email.ccAddresses)],
          }
        : undefined,
      to: email.toAddresses,
      cc: email.ccAddresses ?? undefined,
      subject: email.subject,
      text: email.bodyText ?? undefined,
      html: email.bodyHtml ?? undefined,
      // Our stored ids: what was recorded is exactly what the recipient gets, so replies thread.
      messageId: email.messageId,
      inReplyTo: email.inReplyTo ?? undefined,
      references: email.references ?? undefined,
      // RFC 3834: notifications are machine mail; well-behaved responders (out-of-office) do not answer
      // them, which keeps the helpdesk out of reply loops. Staff responses are human mail.
      // The row id also travels as a header: bounces that quote the original carry it back.
      headers: {
        [OUTBOUND_EMAIL_ID_HEADER]: String(email.id),
        ...(automatic ? { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' } : {}),
        // Outlook threads by Thread-Index; echoed (with a child block) from the message we answer.
        ...(email.threadIndex ? { 'Thread-Index': email.threadIndex } : {}),
        // Marks every email we send: if one comes back into a helpdesk mailbox (an alias forwarding
        // to it, a robot copying headers), the processor knows it is our own and stays quiet.
        [LOOP_HEADER]: this.config.MESSAGE_ID_DOMAIN,
      },
      attachments: email.attachmentIds
        .map((id) => byId.get(id))
        .filter((file): file is AttachmentFile => file !== undefined)
        .map((file) => ({
          filename: file.filename ?? undefined,
          content: file.content,
          contentType: file.contentType,
          cid: file.contentId ?? undefined,
          contentDisposition: file.inline ? ('inline' as const) : ('attachment' as const),
        })),
      // Stored content only: never let row data make the transport read local files or URLs.
      disableFileAccess: true,
      disableUrlAccess: true,
    };
  }

  /**
   * The attachment rows of the email, read with one plain query rather than as entities
   * (docs/decisions/0050): a loaded entity keeps a copy of every Buffer as its snapshot, and
   * nothing here is ever changed and flushed.
   */
  private async attachmentsOf(em: EntityManager, ids: number[]): Promise<AttachmentFile[]> {
    if (ids.length === 0) return [];
    const result = await em
      .getConnection()
      .getKnex()
      .raw<{ rows: AttachmentRow[] }>(
        `select id, filename, content_type, content_id, inline, content from attachment where id = any(?::int[])`,
        [ids],
      );
    return result.rows.map((row) => ({
      id: row.id,
      filename: row.filename,
      contentType: row.content_type,
      contentId: row.content_id,
      inline: row.inline,
      content: row.content,
    }));
  }
}

interface AttachmentRow {
  id: number;
  filename: string | null;
  content_type: string;
  content_id: string | null;
  inline: boolean;
  content: Buffer;
}

interface AttachmentFile {
  id: number;
  filename: string | null;
  contentType: string;
  contentId: string | null;
  inline: boolean;
  content: Buffer;
}
