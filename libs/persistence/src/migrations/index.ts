import type { MigrationObject } from '@mikro-orm/core';

import { Migration20261203000000Initial } from './migration-20261203000000-initial';
import { Migration20261204020000MailboxOauthTokens } from './migration-20261204020000-mailbox-oauth-tokens';
import { Migration20261204030000MailboxFetchHealth } from './migration-20261204030000-mailbox-fetch-health';
import { Migration20261204040000TicketLogQuotedText } from './migration-20261204040000-ticket-log-quoted-text';
import { Migration20261204050000Threading } from './migration-20261204050000-threading';
import { Migration20261204060000InboundSource } from './migration-20261204060000-inbound-source';
import { Migration20261204080000Bounces } from './migration-20261204080000-bounces';

/** Every migration in order. New migrations are appended here (classes, so tsc output and tests agree). */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261203000000Initial', class: Migration20261203000000Initial },
  { name: 'Migration20261204020000MailboxOauthTokens', class: Migration20261204020000MailboxOauthTokens },
  { name: 'Migration20261204030000MailboxFetchHealth', class: Migration20261204030000MailboxFetchHealth },
  { name: 'Migration20261204040000TicketLogQuotedText', class: Migration20261204040000TicketLogQuotedText },
  { name: 'Migration20261204050000Threading', class: Migration20261204050000Threading },
  { name: 'Migration20261204060000InboundSource', class: Migration20261204060000InboundSource },
  { name: 'Migration20261204080000Bounces', class: Migration20261204080000Bounces },
];
