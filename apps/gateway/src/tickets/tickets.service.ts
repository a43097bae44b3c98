import { EntityManager } from '@mikro-orm/postgresql';
import type { FilterQuery } from '@mikro-orm/core';
import { Injectable } from '@nestjs/common';
import { Ticket, TicketLog, TicketStatusChange } from '@twe/persistence';

import { notFound } from '../common/api-errors';
import { toTicketDetailDto, toTicketSummaryDto } from './ticket.mapper';
import type { ListTicketsQuery, TicketDetailDto, TicketPageDto } from './ticket.schemas';

@Injectable()
export class TicketsService {
  constructor(private readonly em: EntityManager) {}

  async list(query: ListTicketsQuery): Promise<TicketPageDto> {
    const where: FilterQuery<Ticket> = {};
    if (query.kind !== undefined) where.kind = query.kind;
    if (query.status !== undefined) where.status = query.status;
    if (query.typeId !== undefined) where.type = query.typeId;
    const [tickets, total] = await this.em.findAndCount(Ticket, where, {
      populate: ['type', 'contact'],
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      limit: query.pageSize,
      offset: (query.page - 1) * query.pageSize,
    });
    const counts = await this.logCounts(tickets.map((ticket) => ticket.id));
    return {
      items: tickets.map((ticket) => toTicketSummaryDto(ticket, counts.get(ticket.id) ?? 0)),
      page: query.page,
      pageSize: query.pageSize,
      total,
      totalPages: Math.ceil(total / query.pageSize),
    };
  }

  async get(id: number): Promise<TicketDetailDto> {
    const ticket = await this.em.findOne(Ticket, { id }, { populate: ['type', 'contact'] });
    if (!ticket) throw notFound('Ticket', id);
    // Attachment content is a lazy column: populating the collection leaves the bytes in the database.
    const logs = await this.em.find(
      TicketLog,
      { ticket: id },
      { populate: ['attachments'], orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] },
    );
    const statusChanges = await this.em.find(TicketStatusChange, { ticket: id }, { orderBy: { id: 'asc' } });
    return toTicketDetailDto(ticket, logs, statusChanges);
  }

  private async logCounts(ids: number[]): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    if (ids.length === 0) return counts;
    const rows = await this.em
      .getConnection()
      .execute<Array<{ ticket_id: number; count: number }>>(
        'select ticket_id, count(*)::int as count from ticket_log where ticket_id in (?) group by ticket_id',
        [ids],
      );
    for (const row of rows) counts.set(row.ticket_id, row.count);
    return counts;
  }
}
