import { Migration } from '@mikro-orm/migrations';

/**
 * Mailbox health for issue 3: how the last fetch ended, the kind of the last failure, the backoff
 * after failures (decision 0020) and the messages left in the mailbox on purpose. All nullable, so the
 * change is instant on a filled table and older fetchers keep working while replicas are replaced.
 */
export class Migration20261204030000MailboxFetchHealth extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "mailbox" add column "last_fetch_outcome" text check ("last_fetch_outcome" in ('succeeded', 'stopped-after-budget', 'failed')) null, add column "last_failure_kind" varchar(40) null, add column "backoff_until" timestamptz null, add column "left_in_mailbox" jsonb null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "mailbox" drop column "last_fetch_outcome", drop column "last_failure_kind", drop column "backoff_until", drop column "left_in_mailbox";`,
    );
  }
}
