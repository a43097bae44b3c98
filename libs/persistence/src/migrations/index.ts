import type { MigrationObject } from '@mikro-orm/core';

import { Migration20261203000000Initial } from './migration-20261203000000-initial';
import { Migration20261204020000MailboxOauthTokens } from './migration-20261204020000-mailbox-oauth-tokens';

/** Every migration in order. New migrations are appended here (classes, so tsc output and tests agree). */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261203000000Initial', class: Migration20261203000000Initial },
  { name: 'Migration20261204020000MailboxOauthTokens', class: Migration20261204020000MailboxOauthTokens },
];
