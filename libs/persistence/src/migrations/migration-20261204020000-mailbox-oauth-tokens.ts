import { Migration } from '@mikro-orm/migrations';

/** Microsoft OAuth: the encrypted msal token cache, renewal times and the "needs re-authorization" flag. */
export class Migration20261204020000MailboxOauthTokens extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "mailbox" add column "oauth_token_cache_encrypted" text null, add column "oauth_refresh_token_renewed_at" timestamptz null, add column "oauth_access_token_expires_at" timestamptz null, add column "needs_reauthorization" boolean not null default false, add column "reauthorization_reason" text null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      `alter table "mailbox" drop column "oauth_token_cache_encrypted", drop column "oauth_refresh_token_renewed_at", drop column "oauth_access_token_expires_at", drop column "needs_reauthorization", drop column "reauthorization_reason";`,
    );
  }
}
