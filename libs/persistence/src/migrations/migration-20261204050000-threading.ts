import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 4 (threading, loops, statuses): the status history, the link from a ticket to the closed
 * ticket it continues, what the processor decided about each log (threading, machine mail,
 * notification), the participants a tag reply is checked against, and Thread-Index on outbound mail.
 */
export class Migration20261204050000Threading extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "ticket_status_change" ("id" serial primary key, "ticket_id" int not null, "from_status" text check ("from_status" in ('New', 'Open', 'Pending', 'Resolved', 'Closed')) null, "to_status" text check ("to_status" in ('New', 'Open', 'Pending', 'Resolved', 'Closed')) not null, "cause" text not null, "ticket_log_id" int null, "changed_at" timestamptz not null default now());`,
    );
    this.addSql(
      `create index "ticket_status_change_ticket_id_index" on "ticket_status_change" ("ticket_id");`,
    );
    this.addSql(
      `alter table "ticket_status_change" add constraint "ticket_status_change_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "ticket_status_change" add constraint "ticket_status_change_ticket_log_id_foreign" foreign key ("ticket_log_id") references "ticket_log" ("id") on update cascade on delete set null;`,
    );

    this.addSql(`alter table "ticket" add column "previous_ticket_id" int null;`);
    this.addSql(
      `alter table "ticket" add constraint "ticket_previous_ticket_id_foreign" foreign key ("previous_ticket_id") references "ticket" ("id") on update cascade on delete set null;`,
    );
    this.addSql(`create index "ticket_previous_ticket_id_index" on "ticket" ("previous_ticket_id");`);

    this.addSql(
      `alter table "ticket_log" add column "participants" jsonb not null default '[]', add column "threading_note" text null, add column "machine_mail" text null, add column "notification_note" text null;`,
    );
    // The per-sender notification cap counts a sender's recent logs.
    this.addSql(
      `create index "ticket_log_sender_created_at_index" on "ticket_log" (lower("from_address"), "created_at");`,
    );

    this.addSql(`alter table "email_queue" add column "thread_index" varchar(200) null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "email_queue" drop column if exists "thread_index";`);
    this.addSql(`drop index if exists "ticket_log_sender_created_at_index";`);
    this.addSql(
      `alter table "ticket_log" drop column if exists "participants", drop column if exists "threading_note", drop column if exists "machine_mail", drop column if exists "notification_note";`,
    );
    this.addSql(`alter table "ticket" drop column if exists "previous_ticket_id";`);
    this.addSql(`drop table if exists "ticket_status_change" cascade;`);
  }
}
