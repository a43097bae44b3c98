import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Mailbox, TicketType } from '@twe/persistence';

/** A column of a table in the current schema, as information_schema describes it. */
export interface CatalogColumn {
  name: string;
  dataType: string;
  udtName: string;
  nullable: boolean;
  hasDefault: boolean;
  generated: boolean;
}

@Injectable()
export class TicketTypeRepository {
  constructor(private readonly em: EntityManager) {}

  list(): Promise<TicketType[]> {
    return this.em.find(TicketType, {}, { populate: ['mailbox'], orderBy: { id: 'asc' } });
  }

  findById(id: number): Promise<TicketType | null> {
    return this.em.findOne(TicketType, { id }, { populate: ['mailbox'] });
  }

  findMailbox(id: number): Promise<Mailbox | null> {
    return this.em.findOne(Mailbox, { id });
  }

  /** Active types other than `exceptId` that own this address. */
  findActiveByEmailTo(emailTo: string, exceptId: number | null): Promise<TicketType[]> {
    return this.em.find(TicketType, {
      emailTo,
      active: true,
      ...(exceptId === null ? {} : { id: { $ne: exceptId } }),
    });
  }

  async save(type: TicketType): Promise<void> {
    await this.em.persist(type).flush();
  }

  async ticketCounts(ids: number[]): Promise<Map<number, number>> {
    const counts = new Map<number, number>(ids.map((id) => [id, 0]));
    if (ids.length === 0) return counts;
    const rows = await this.em
      .getConnection()
      .execute<Array<{ type_id: number; count: number }>>(
        'select type_id, count(*)::int as count from ticket where type_id in (?) group by type_id',
        [ids],
      );
    for (const row of rows) counts.set(row.type_id, row.count);
    return counts;
  }

  async delete(id: number): Promise<void> {
    await this.em.nativeDelete(TicketType, { id });
  }

  /** The engine's own tables: never a target for "save table". */
  engineTables(): Set<string> {
    const tables = Object.values(this.em.getMetadata().getAll()).map((meta) => meta.tableName);
    return new Set([...tables, 'mikro_orm_migrations']);
  }

  /**
   * Columns of a base table in the current schema, or null when there is no such table. The name
   * is a bound parameter: nothing user-supplied is ever spliced into SQL.
   */
  async tableColumns(table: string): Promise<CatalogColumn[] | null> {
    const connection = this.em.getConnection();
    const tables = await connection.execute<Array<{ table_name: string }>>(
      `select table_name from information_schema.tables
        where table_schema = current_schema() and table_name = ? and table_type = 'BASE TABLE'`,
      [table],
    );
    if (tables.length === 0) return null;
    const rows = await connection.execute<
      Array<{
        column_name: string;
        data_type: string;
        udt_name: string;
        is_nullable: 'YES' | 'NO';
        column_default: string | null;
        is_identity: 'YES' | 'NO';
        is_generated: 'ALWAYS' | 'NEVER';
      }>
    >(
      `select column_name, data_type, udt_name, is_nullable, column_default, is_identity, is_generated
         from information_schema.columns
        where table_schema = current_schema() and table_name = ?
        order by ordinal_position`,
      [table],
    );
    return rows.map((row) => ({
      name: row.column_name,
      dataType: row.data_type,
      udtName: row.udt_name,
      nullable: row.is_nullable === 'YES',
      hasDefault: row.column_default !== null || row.is_identity === 'YES',
      generated: row.is_generated === 'ALWAYS',
    }));
  }
}
