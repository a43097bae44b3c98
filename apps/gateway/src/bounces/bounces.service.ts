import type { FilterQuery } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Bounce, Contact, EmailQueue, resolveBounces } from '@twe/persistence';

import { notFound } from '../common/api-errors';
import { toBounceDetailDto, toBounceSummaryDto } from './bounce.mapper';
import type {
  BounceDetailDto,
  BouncePageDto,
  ContactBouncesQuery,
  ListBouncesQuery,
  ResolveBounceInput,
  ResolveBouncesInput,
  ResolveBouncesResultDto,
} from './bounce.schemas';

/**
 * Staff view of the bounce records (SPEC §6). Contacts are linked by address (bounce.recipient =
 * contact.email, both normalised; docs/decisions/0045), so a contact created after its bounce sees it too.
 */
@Injectable()
export class BouncesService {
  constructor(private readonly em: EntityManager) {}

  async list(query: ListBouncesQuery): Promise<BouncePageDto> {
    let recipient: string | undefined;
    if (query.contactId !== undefined) recipient = (await this.contact(query.contactId)).email;
    return this.page(query, recipient);
  }

  /** The bounces tab of a contact (lead, student and tutor records are contacts by address too). */
  async forContact(contactId: number, query: ContactBouncesQuery): Promise<BouncePageDto> {
    const contact = await this.contact(contactId);
    return this.page(query, contact.email);
  }

  async get(id: number): Promise<BounceDetailDto> {
    const bounce = await this.em.findOne(Bounce, { id });
    if (bounce === null) throw notFound('Bounce', id);
    const email = bounce.emailQueue
      ? await this.em.findOne(EmailQueue, { id: bounce.emailQueue.id }, { exclude: ['bodyText', 'bodyHtml'] })
      : null;
    const contacts = await this.contactsByAddress([bounce.recipient]);
    return toBounceDetailDto(bounce, contacts.get(bounce.recipient) ?? [], email);
  }

  async resolveMany(input: ResolveBouncesInput): Promise<ResolveBouncesResultDto> {
    const ids = [...new Set(input.ids)];
    return this.em.transactional(async (em) => {
      const existing = await em.find(Bounce, { id: { $in: ids } }, { fields: ['id', 'resolvedAt'] });
      const result = await resolveBounces(em, ids, {
        by: input.resolvedBy ?? null,
        note: input.note ?? null,
      });
      const resolved = new Set(result.resolvedIds);
      const found = new Set(existing.map((bounce) => bounce.id));
      return {
        resolvedIds: result.resolvedIds,
        alreadyResolvedIds: ids.filter((id) => found.has(id) && !resolved.has(id)).sort((a, b) => a - b),
        notFoundIds: ids.filter((id) => !found.has(id)).sort((a, b) => a - b),
        deliverableAgainContactIds: result.deliverableAgainContactIds,
      };
    });
  }

  /** Resolving a resolved bounce changes nothing (the first resolution is kept) and answers its details. */
  async resolveOne(id: number, input: ResolveBounceInput): Promise<BounceDetailDto> {
    const exists = await this.em.count(Bounce, { id });
    if (exists === 0) throw notFound('Bounce', id);
    await this.em.transactional((em) =>
      resolveBounces(em, [id], { by: input?.resolvedBy ?? null, note: input?.note ?? null }),
    );
    this.em.clear();
    return this.get(id);
  }

  private async page(
    query: ContactBouncesQuery | ListBouncesQuery,
    recipient?: string,
  ): Promise<BouncePageDto> {
    const where: FilterQuery<Bounce> = {};
    if (query.kind !== 'all') where.kind = query.kind;
    if (query.status === 'unresolved') where.resolvedAt = null;
    if (query.status === 'resolved') where.resolvedAt = { $ne: null };
    if (query.reason !== undefined) where.reason = query.reason;
    if (query.type !== undefined) where.hardBounce = query.type === 'hard';
    if (query.from !== undefined || query.to !== undefined) {
      where.createdAt = {
        ...(query.from !== undefined ? { $gte: query.from } : {}),
        ...(query.to !== undefined ? { $lte: query.to } : {}),
      };
    }
    if (recipient !== undefined) where.recipient = recipient;
    const [bounces, total] = await this.em.findAndCount(Bounce, where, {
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    });
    const contacts = await this.contactsByAddress(bounces.map((bounce) => bounce.recipient));
    return {
      items: bounces.map((bounce) => toBounceSummaryDto(bounce, contacts.get(bounce.recipient) ?? [])),
      page: query.page,
      pageSize: query.pageSize,
      total,
      totalPages: Math.ceil(total / query.pageSize),
    };
  }

  private async contact(id: number): Promise<Contact> {
    const contact = await this.em.findOne(Contact, { id });
    if (contact === null) throw notFound('Contact', id);
    return contact;
  }

  private async contactsByAddress(addresses: string[]): Promise<Map<string, Contact[]>> {
    const wanted = [...new Set(addresses.filter((address) => address !== ''))];
    const byAddress = new Map<string, Contact[]>();
    if (wanted.length === 0) return byAddress;
    for (const contact of await this.em.find(
      Contact,
      { email: { $in: wanted } },
      { orderBy: { id: 'asc' } },
    )) {
      byAddress.set(contact.email, [...(byAddress.get(contact.email) ?? []), contact]);
    }
    return byAddress;
  }
}
