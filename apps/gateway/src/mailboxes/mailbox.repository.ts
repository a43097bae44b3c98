import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Mailbox } from '@twe/persistence';

import type { MailboxFacts } from './mailbox.mapper';

export interface MailboxRelations {
  ticketTypes: Array<{ id: number; name: string }>;
  capturedMessages: number;
}

/** The secret columns are lazy: loaded only to change them, never to show them. */
const SECRET_COLUMNS = [
  'passwordEncrypted',
  'oauthClientSecretEncrypted',
  'oauthRefreshTokenEncrypted',
  'oauthTokenCacheEncrypted',
] as const;

@Injectable()
export class MailboxRepository {
  constructor(private readonly em: EntityManager) {}

  list(): Promise<Mailbox[]> {
    return this.em.find(Mailbox, {}, { orderBy: { id: 'asc' } });
  }

  findById(id: number): Promise<Mailbox | null> {
    return this.em.findOne(Mailbox, { id });
  }

  /** With the secret columns loaded, so that setting or clearing one is tracked as a change. */
  findForUpdate(id: number): Promise<Mailbox | null> {
    return this.em.findOne(Mailbox, { id }, { populate: SECRET_COLUMNS });
  }

  async save(mailbox: Mailbox): Promise<void> {
    await this.em.persist(mailbox).flush();
  }

  /** Whether each secret is set and how much hangs off each mailbox, without reading a secret. */
  async facts(ids: number[]): Promise<Map<number, MailboxFacts>> {
    const facts = new Map<number, MailboxFacts>();
    if (ids.length === 0) return facts;
    const rows = await this.em.getConnection().execute<
      Array<{
        id: number;
        password_set: boolean;
        client_secret_set: boolean;
        refresh_token_set: boolean;
        token_cache_set: boolean;
        messages_captured: number;
        ticket_type_count: number;
      }>
    >(
      `select m.id,
              m.password_encrypted is not null as password_set,
              m.oauth_client_secret_encrypted is not null as client_secret_set,
              m.oauth_refresh_token_encrypted is not null as refresh_token_set,
              m.oauth_token_cache_encrypted is not null as token_cache_set,
              (select count(*) from inbound_message i where i.mailbox_id = m.id)::int as messages_captured,
              (select count(*) from ticket_type t where t.mailbox_id = m.id)::int as ticket_type_count
         from mailbox m
        where m.id in (?)`,
      [ids],
    );
    for (const row of rows) {
      facts.set(row.id, {
        passwordSet: row.password_set,
        clientSecretSet: row.client_secret_set,
        refreshTokenSet: row.refresh_token_set,
        tokenCacheSet: row.token_cache_set,
        messagesCaptured: row.messages_captured,
        ticketTypeCount: row.ticket_type_count,
      });
    }
    return facts;
  }

  async relations(id: number): Promise<MailboxRelations> {
    const ticketTypes = await this.em
      .getConnection()
      .execute<Array<{ id: number; name: string }>>(
        'select id, name from ticket_type where mailbox_id = ? order by id',
        [id],
      );
    const [{ count }] = await this.em
      .getConnection()
      .execute<Array<{ count: number }>>(
        'select count(*)::int as count from inbound_message where mailbox_id = ?',
        [id],
      );
    return { ticketTypes, capturedMessages: count };
  }

  /** The foreign keys are `restrict`: a row related since `relations()` was read makes this throw. */
  async delete(id: number): Promise<void> {
    await this.em.nativeDelete(Mailbox, { id });
  }
}
