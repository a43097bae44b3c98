import { Migration } from '@mikro-orm/migrations';

/**
 * Bounces (SPEC §6): one `bounce` row per failed recipient of a bounce (or one per auto-reply and
 * other message reaching the bounce mailbox), undeliverable contacts, and `bounced` email rows.
 */
export class Migration20261204080000Bounces extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "bounce" ("id" serial primary key, "inbound_message_id" int null, "kind" text check ("kind" in ('bounce', 'auto-reply', 'feedback-report', 'delivery-success', 'not-bounce')) not null, "source" text check ("source" in ('dsn', 'smtp-rejection')) not null default 'dsn', "recipient" varchar(320) not null, "status" varchar(20) null, "reply_code" varchar(10) null, "reason" varchar(40) not null, "hard_bounce" boolean not null default false, "diagnostic" text null, "reporting_mta" varchar(255) null, "original_message_id" varchar(998) null, "original_subject" text null, "email_queue_id" int null, "email_matched_by" text check ("email_matched_by" in ('verp', 'message-id', 'x-twe-header', 'sender')) null, "resolved_at" timestamptz null, "resolved_by" varchar(200) null, "resolution_note" text null, "created_at" timestamptz not null default now());`,
    );
    this.addSql(
      `alter table "bounce" add constraint "bounce_inbound_message_id_recipient_unique" unique ("inbound_message_id", "recipient");`,
    );
    // An SMTP rejection has no inbound message (NULLs never collide in a unique constraint): one row
    // per email row and recipient keeps a repeated send job from recording it twice.
    this.addSql(
      `create unique index "bounce_smtp_rejection_unique" on "bounce" ("email_queue_id", "recipient") where "inbound_message_id" is null;`,
    );
    this.addSql(`create index "bounce_recipient_index" on "bounce" ("recipient");`);
    this.addSql(
      `create index "bounce_kind_resolved_at_created_at_index" on "bounce" ("kind", "resolved_at", "created_at");`,
    );
    this.addSql(`create index "bounce_email_queue_id_index" on "bounce" ("email_queue_id");`);
    this.addSql(
      `alter table "bounce" add constraint "bounce_inbound_message_id_foreign" foreign key ("inbound_message_id") references "inbound_message" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "bounce" add constraint "bounce_email_queue_id_foreign" foreign key ("email_queue_id") references "email_queue" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "contact" add column "undeliverable_since" timestamptz null, add column "undeliverable_reason" text null;`,
    );

    this.addSql(`alter table "email_queue" drop constraint if exists "email_queue_status_check";`);
    this.addSql(
      `alter table "email_queue" add constraint "email_queue_status_check" check ("status" in ('queued', 'sending', 'sent', 'failed', 'bounced'));`,
    );
    this.addSql(`alter table "email_queue" add column "bounced_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "email_queue" drop column "bounced_at";`);
    this.addSql(`update "email_queue" set "status" = 'sent' where "status" = 'bounced';`);
    this.addSql(`alter table "email_queue" drop constraint if exists "email_queue_status_check";`);
    this.addSql(
      `alter table "email_queue" add constraint "email_queue_status_check" check ("status" in ('queued', 'sending', 'sent', 'failed'));`,
    );
    this.addSql(
      `alter table "contact" drop column "undeliverable_since", drop column "undeliverable_reason";`,
    );
    this.addSql(`drop table if exists "bounce" cascade;`);
  }
}
