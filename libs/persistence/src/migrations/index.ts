import type { MigrationObject } from '@mikro-orm/core';

import { Migration20261203000000Initial } from './migration-20261203000000-initial';
import { Migration20261204050000Threading } from './migration-20261204050000-threading';

/** Every migration in order. New migrations are appended here (classes, so tsc output and tests agree). */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261203000000Initial', class: Migration20261203000000Initial },
  { name: 'Migration20261204050000Threading', class: Migration20261204050000Threading },
];
