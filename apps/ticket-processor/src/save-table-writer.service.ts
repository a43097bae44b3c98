import type { EntityManager } from '@mikro-orm/postgresql';
import { Injectable, Logger } from '@nestjs/common';
import type { Ticket, TicketType } from '@twe/persistence';

export interface SaveTableValues {
  from: string | null;
  subject: string | null;
  body: string | null;
}

/**
 * SPEC §8 "save table": each new ticket of a type that names one is also inserted there (sender,
 * subject, body). The names come from an admin, so they are checked against information_schema at
 * insert time (the table may have changed since the type was saved), quoted as identifiers, and the
 * values are bound as parameters. A failing insert is rolled back to a savepoint and logged: the
 * ticket itself must not be lost because a customer table changed.
 */
@Injectable()
export class SaveTableWriter {
  private readonly logger = new Logger(SaveTableWriter.name);

  async write(
    em: EntityManager,
    type: TicketType,
    ticket: Ticket,
    values: SaveTableValues,
  ): Promise<boolean> {
    const table = type.saveTable;
    const columns = [type.saveFromColumn, type.saveSubjectColumn, type.saveBodyColumn];
    if (table === null || columns.some((column) => column === null)) return false;
    const names = columns as string[];

    const found = await em.execute<Array<{ column_name: string }>>(
      `select column_name from information_schema.columns
        where table_schema = current_schema() and table_name = ? and column_name in (?, ?, ?)`,
      [table, ...names],
    );
    const present = new Set(found.map((row) => row.column_name));
    const missing = names.filter((name) => !present.has(name));
    if (missing.length > 0) {
      this.logger.warn(
        { ticketId: ticket.id, typeId: type.id, table, missing },
        'Save table or its columns no longer exist; the ticket is stored without it',
      );
      return false;
    }

    await em.execute('savepoint twe_save_table');
    try {
      await em.execute(
        `insert into ${quoteIdentifier(table)} (${names.map(quoteIdentifier).join(', ')}) values (?, ?, ?)`,
        [values.from, values.subject, values.body],
      );
      await em.execute('release savepoint twe_save_table');
      return true;
    } catch (error) {
      await em.execute('rollback to savepoint twe_save_table');
      this.logger.warn(
        { ticketId: ticket.id, typeId: type.id, table, err: error },
        'Insert into the save table failed; the ticket is stored without it',
      );
      return false;
    }
  }
}

/** `"name"` with embedded quotes doubled (PostgreSQL quoted identifier). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
