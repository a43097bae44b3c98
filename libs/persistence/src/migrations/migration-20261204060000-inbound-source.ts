import { Migration } from '@mikro-orm/migrations';

/**
 * Messages ingested from other systems (`tickets.ingest`, `POST /api/ingest`) have no mailbox. The
 * unique (mailbox_id, remote_id) cannot dedupe them (NULLs are distinct), so they carry their source
 * and (source, remote_id) is unique; rows from mailboxes keep source NULL and are not affected.
 */
export class Migration20261204060000InboundSource extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "inbound_message" add column "source" varchar(100) null;`);
    this.addSql(
      `alter table "inbound_message" add constraint "inbound_message_source_remote_id_unique" unique ("source", "remote_id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "inbound_message" drop constraint "inbound_message_source_remote_id_unique";`);
    this.addSql(`alter table "inbound_message" drop column "source";`);
  }
}
