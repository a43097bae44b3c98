import { Migration } from '@mikro-orm/migrations';

/**
 * A reply's text split into what the sender wrote now and the quoted history (issue 4 item 8), so
 * staff see the new text first. `body_text` keeps the whole text.
 */
export class Migration20261204040000TicketLogQuotedText extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "ticket_log" add column "body_text_new" text null, add column "quoted_text" text null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "ticket_log" drop column "body_text_new", drop column "quoted_text";`);
  }
}
