import { Migration } from '@mikro-orm/migrations';

/** The first schema: mailboxes, ticket types, tickets and logs, captured mail, the outbound queue. */
export class Migration20261203000000Initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "background_task_setting" ("name" varchar(60) not null, "interval_seconds" int not null, "enabled" boolean not null default true, "updated_at" timestamptz not null default now(), constraint "background_task_setting_pkey" primary key ("name"));`,
    );

    this.addSql(
      `create table "contact" ("id" serial primary key, "email" varchar(320) not null, "name" varchar(300) null, "created_at" timestamptz not null default now());`,
    );
    this.addSql(`alter table "contact" add constraint "contact_email_unique" unique ("email");`);

    this.addSql(
      `create table "mailbox" ("id" serial primary key, "name" varchar(200) not null, "kind" text check ("kind" in ('IMAP', 'POP3', 'IMAP - OAuth', 'POP3 - OAuth')) not null, "host" varchar(255) not null, "port" int not null, "security" text check ("security" in ('tls', 'starttls', 'none')) not null, "username" varchar(320) not null, "password_encrypted" text null, "trusted_ca_pem" text null, "oauth_provider" varchar(40) null, "oauth_tenant_id" varchar(100) null, "oauth_client_id" varchar(200) null, "oauth_client_secret_encrypted" text null, "oauth_redirect_url" varchar(500) null, "oauth_refresh_token_encrypted" text null, "oauth_refresh_token_expires_at" timestamptz null, "last_fetch_started_at" timestamptz null, "last_fetch_finished_at" timestamptz null, "last_success_at" timestamptz null, "last_error" text null, "last_fetch_captured_count" int not null default 0, "consecutive_failures" int not null default 0, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`,
    );

    this.addSql(
      `create table "inbound_message" ("id" serial primary key, "mailbox_id" int null, "remote_id" varchar(300) not null, "raw" bytea not null, "size" int not null, "truncated" boolean not null default false, "sha256" varchar(64) not null, "state" text check ("state" in ('captured', 'processed', 'failed')) not null default 'captured', "error" text null, "captured_at" timestamptz not null default now(), "processed_at" timestamptz null);`,
    );
    this.addSql(
      `alter table "inbound_message" add constraint "inbound_message_mailbox_id_remote_id_unique" unique ("mailbox_id", "remote_id");`,
    );

    this.addSql(
      `create table "ticket_type" ("id" serial primary key, "task" text check ("task" in ('Simple Storage', 'Assignment', 'Bounce Back')) not null, "name" varchar(200) not null, "description" text null, "email_to" varchar(320) not null, "workflow_tag" varchar(60) not null, "mailbox_id" int not null, "email_forward" varchar(320) null, "admin_email" varchar(320) not null, "save_table" varchar(120) null, "save_from_column" varchar(120) null, "save_subject_column" varchar(120) null, "save_body_column" varchar(120) null, "active" boolean not null default true, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`,
    );
    this.addSql(`create index "ticket_type_email_to_index" on "ticket_type" ("email_to");`);

    this.addSql(
      `create table "ticket" ("id" serial primary key, "type_id" int null, "kind" text check ("kind" in ('normal', 'invalid', 'error')) not null, "status" text check ("status" in ('New', 'Open', 'Pending', 'Resolved', 'Closed')) not null default 'New', "subject" text not null, "contact_id" int null, "error_reason" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`,
    );
    this.addSql(`create index "ticket_type_id_index" on "ticket" ("type_id");`);

    this.addSql(
      `create table "ticket_log" ("id" serial primary key, "ticket_id" int not null, "inbound_message_id" int null, "direction" text check ("direction" in ('inbound', 'outbound')) not null, "from_address" varchar(320) null, "from_name" varchar(300) null, "subject" text not null, "message_id" varchar(998) null, "in_reply_to" varchar(998) null, "body_text" text null, "body_html" text null, "receiver_name" varchar(300) null, "receiver_email" varchar(320) null, "receiver_contact_id" int null, "created_at" timestamptz not null default now());`,
    );
    this.addSql(`create index "ticket_log_message_id_index" on "ticket_log" ("message_id");`);
    this.addSql(
      `alter table "ticket_log" add constraint "ticket_log_inbound_message_id_ticket_id_unique" unique ("inbound_message_id", "ticket_id");`,
    );

    this.addSql(
      `create table "attachment" ("id" serial primary key, "ticket_log_id" int not null, "filename" varchar(500) null, "content_type" varchar(255) not null, "size" int not null, "sha256" varchar(64) not null, "content_id" varchar(998) null, "inline" boolean not null default false, "content" bytea not null);`,
    );

    this.addSql(
      `create table "email_queue" ("id" serial primary key, "ticket_id" int null, "ticket_log_id" int null, "purpose" text check ("purpose" in ('notification', 'forward', 'response')) not null, "from_address" text not null, "to_addresses" text not null, "cc_addresses" text null, "subject" text not null, "body_text" text null, "body_html" text null, "attachment_ids" jsonb not null default '[]', "message_id" varchar(998) not null, "in_reply_to" varchar(998) null, "references" text null, "status" text check ("status" in ('queued', 'sending', 'sent', 'failed')) not null default 'queued', "attempts" int not null default 0, "last_error" text null, "sending_started_at" timestamptz null, "sent_at" timestamptz null, "created_at" timestamptz not null default now());`,
    );
    this.addSql(`create index "email_queue_message_id_index" on "email_queue" ("message_id");`);
    this.addSql(`create index "email_queue_status_index" on "email_queue" ("status");`);

    this.addSql(
      `alter table "inbound_message" add constraint "inbound_message_mailbox_id_foreign" foreign key ("mailbox_id") references "mailbox" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "ticket_type" add constraint "ticket_type_mailbox_id_foreign" foreign key ("mailbox_id") references "mailbox" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "ticket" add constraint "ticket_type_id_foreign" foreign key ("type_id") references "ticket_type" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "ticket" add constraint "ticket_contact_id_foreign" foreign key ("contact_id") references "contact" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "ticket_log" add constraint "ticket_log_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "ticket_log" add constraint "ticket_log_inbound_message_id_foreign" foreign key ("inbound_message_id") references "inbound_message" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "ticket_log" add constraint "ticket_log_receiver_contact_id_foreign" foreign key ("receiver_contact_id") references "contact" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "attachment" add constraint "attachment_ticket_log_id_foreign" foreign key ("ticket_log_id") references "ticket_log" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "email_queue" add constraint "email_queue_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "email_queue" add constraint "email_queue_ticket_log_id_foreign" foreign key ("ticket_log_id") references "ticket_log" ("id") on update cascade on delete set null;`,
    );
    // Foreign keys PostgreSQL does not index by itself, on the paths the workers read.
    this.addSql(`create index "ticket_log_ticket_id_index" on "ticket_log" ("ticket_id");`);
    this.addSql(`create index "attachment_ticket_log_id_index" on "attachment" ("ticket_log_id");`);
    this.addSql(`create index "inbound_message_state_index" on "inbound_message" ("state");`);
    this.addSql(`create index "email_queue_ticket_log_id_index" on "email_queue" ("ticket_log_id");`);

    // The two background tasks of SPEC §7, with the original product's default interval.
    this.addSql(
      `insert into "background_task_setting" ("name", "interval_seconds", "enabled") values ('email-processing', 600, true), ('email-sending', 60, true);`,
    );
  }

  override async down(): Promise<void> {
    for (const table of [
      'email_queue',
      'attachment',
      'ticket_log',
      'ticket',
      'ticket_type',
      'inbound_message',
      'mailbox',
      'contact',
      'background_task_setting',
    ]) {
      this.addSql(`drop table if exists "${table}" cascade;`);
    }
  }
}
