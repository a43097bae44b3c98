import { ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { SecretCipher } from '@twe/config';
import { Mailbox } from '@twe/persistence';
import { enqueueFetchNow, jobId, QueueName } from '@twe/queues';
import type { Queue } from 'bullmq';

import { conflict, FieldErrors, notFound } from '../common/api-errors';
import { assertDeleteConfirmed } from '../common/delete-confirmation';
import { withQueueTimeout } from '../common/with-timeout';
import { planMailboxChange, type MailboxPlan, type StoredMailbox } from './mailbox-rules';
import { toMailboxDto } from './mailbox.mapper';
import { MailboxRepository, type MailboxRelations } from './mailbox.repository';
import type { CreateMailboxInput, FetchNowDto, MailboxDto, UpdateMailboxInput } from './mailbox.schemas';

@Injectable()
export class MailboxesService {
  constructor(
    private readonly mailboxes: MailboxRepository,
    private readonly cipher: SecretCipher,
    @InjectQueue(QueueName.MailFetch) private readonly fetchQueue: Queue,
  ) {}

  async list(): Promise<MailboxDto[]> {
    const mailboxes = await this.mailboxes.list();
    const facts = await this.mailboxes.facts(mailboxes.map((mailbox) => mailbox.id));
    return mailboxes.map((mailbox) => toMailboxDto(mailbox, facts.get(mailbox.id)!));
  }

  async get(id: number): Promise<MailboxDto> {
    const mailbox = await this.mailboxes.findById(id);
    if (!mailbox) throw notFound('Mailbox', id);
    return this.toDto(mailbox);
  }

  async create(input: CreateMailboxInput): Promise<MailboxDto> {
    const errors = new FieldErrors();
    const plan = planMailboxChange(null, input, errors);
    errors.throwIfAny();
    const mailbox = new Mailbox({
      name: input.name,
      kind: input.type,
      host: input.host,
      port: input.port,
      security: plan.security!,
      username: input.username,
    });
    this.apply(mailbox, input, plan);
    await this.mailboxes.save(mailbox);
    return this.toDto(mailbox);
  }

  async update(id: number, input: UpdateMailboxInput): Promise<MailboxDto> {
    const mailbox = await this.mailboxes.findForUpdate(id);
    if (!mailbox) throw notFound('Mailbox', id);
    const errors = new FieldErrors();
    const plan = planMailboxChange(stored(mailbox), input, errors);
    errors.throwIfAny();
    this.apply(mailbox, input, plan);
    await this.mailboxes.save(mailbox);
    return this.toDto(mailbox);
  }

  async remove(id: number, confirm: unknown): Promise<void> {
    const mailbox = await this.mailboxes.findById(id);
    if (!mailbox) throw notFound('Mailbox', id);
    assertDeleteConfirmed(confirm, `mailbox ${id}`);
    await this.assertNoRelations(id);
    try {
      await this.mailboxes.delete(id);
    } catch (error) {
      // Something started to use the mailbox after the check: report it the same way.
      if (error instanceof ForeignKeyConstraintViolationException) await this.assertNoRelations(id);
      throw error;
    }
  }

  async fetchNow(id: number): Promise<FetchNowDto> {
    const mailbox = await this.mailboxes.findById(id);
    if (!mailbox) throw notFound('Mailbox', id);
    await withQueueTimeout(enqueueFetchNow(this.fetchQueue, id));
    return { mailboxId: id, jobId: jobId.fetchMailboxNow(id), status: 'queued' };
  }

  private async assertNoRelations(id: number): Promise<void> {
    const relations = await this.mailboxes.relations(id);
    const reason = describeRelations(relations);
    if (reason === null) return;
    throw conflict(`Mailbox ${id} cannot be deleted: ${reason}`, {
      relations: { ticketTypes: relations.ticketTypes, capturedMessages: relations.capturedMessages },
    });
  }

  private apply(mailbox: Mailbox, input: UpdateMailboxInput, plan: MailboxPlan): void {
    if (plan.clearOAuth) {
      mailbox.oauthProvider = null;
      mailbox.oauthTenantId = null;
      mailbox.oauthClientId = null;
      mailbox.oauthClientSecretEncrypted = null;
      mailbox.oauthRedirectUrl = null;
      mailbox.oauthRefreshTokenEncrypted = null;
      mailbox.oauthRefreshTokenExpiresAt = null;
      mailbox.oauthTokenCacheEncrypted = null;
      mailbox.oauthRefreshTokenRenewedAt = null;
      mailbox.oauthAccessTokenExpiresAt = null;
      mailbox.needsReauthorization = false;
      mailbox.reauthorizationReason = null;
    }
    if (plan.clearPassword) mailbox.passwordEncrypted = null;
    if (plan.security !== undefined) mailbox.security = plan.security;
    if (input.name !== undefined) mailbox.name = input.name;
    if (input.type !== undefined) mailbox.kind = input.type;
    if (input.host !== undefined) mailbox.host = input.host;
    if (input.port !== undefined) mailbox.port = input.port;
    if (input.username !== undefined) mailbox.username = input.username;
    if (input.trustedCaPem !== undefined) mailbox.trustedCaPem = input.trustedCaPem;
    if (input.oauthProvider !== undefined) mailbox.oauthProvider = input.oauthProvider;
    if (input.tenantId !== undefined) mailbox.oauthTenantId = input.tenantId;
    if (input.clientId !== undefined) mailbox.oauthClientId = input.clientId;
    if (input.redirectUrl !== undefined) mailbox.oauthRedirectUrl = input.redirectUrl;
    if (input.refreshTokenExpiresAt !== undefined) {
      mailbox.oauthRefreshTokenExpiresAt =
        input.refreshTokenExpiresAt === null ? null : new Date(input.refreshTokenExpiresAt);
    }
    // Secrets: a string replaces (encrypted), null clears, an omitted field keeps the stored value.
    if (input.password !== undefined) mailbox.passwordEncrypted = this.encrypt(input.password);
    if (input.clientSecret !== undefined)
      mailbox.oauthClientSecretEncrypted = this.encrypt(input.clientSecret);
    if (input.refreshToken !== undefined) {
      mailbox.oauthRefreshTokenEncrypted = this.encrypt(input.refreshToken);
      // A new token's expiry is unknown unless given with it.
      if (input.refreshTokenExpiresAt === undefined) mailbox.oauthRefreshTokenExpiresAt = null;
      // A token set by hand is a new grant: it replaces the cached one (whose refresh token would
      // otherwise win) and lifts "needs re-authorization".
      mailbox.oauthTokenCacheEncrypted = null;
      mailbox.oauthAccessTokenExpiresAt = null;
      mailbox.oauthRefreshTokenRenewedAt = input.refreshToken === null ? null : new Date();
      mailbox.needsReauthorization = false;
      mailbox.reauthorizationReason = null;
    }
  }

  private encrypt(plain: string | null): string | null {
    return plain === null ? null : this.cipher.encrypt(plain);
  }

  private async toDto(mailbox: Mailbox): Promise<MailboxDto> {
    const facts = await this.mailboxes.facts([mailbox.id]);
    return toMailboxDto(mailbox, facts.get(mailbox.id)!);
  }
}

function stored(mailbox: Mailbox): StoredMailbox {
  return {
    type: mailbox.kind,
    port: mailbox.port,
    security: mailbox.security,
    oauthProvider: mailbox.oauthProvider,
    tenantId: mailbox.oauthTenantId,
    clientId: mailbox.oauthClientId,
  };
}

const MAX_NAMES = 10;

/** "2 ticket types use it (Support, Sales) and 14 captured messages reference it", or null. */
export function describeRelations(relations: MailboxRelations): string | null {
  const parts: string[] = [];
  const types = relations.ticketTypes;
  if (types.length > 0) {
    const names = types.slice(0, MAX_NAMES).map((type) => type.name);
    if (types.length > MAX_NAMES) names.push(`and ${types.length - MAX_NAMES} more`);
    parts.push(
      `${types.length} ticket ${types.length === 1 ? 'type uses' : 'types use'} it (${names.join(', ')})`,
    );
  }
  const messages = relations.capturedMessages;
  if (messages > 0) {
    parts.push(`${messages} captured ${messages === 1 ? 'message references' : 'messages reference'} it`);
  }
  return parts.length > 0 ? parts.join(' and ') : null;
}
