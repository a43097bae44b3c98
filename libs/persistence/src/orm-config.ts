import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options } from '@mikro-orm/postgresql';

import { allEntities } from './entities';
import { migrationsList } from './migrations';

export interface OrmSettings {
  databaseUrl: string;
  poolMax?: number;
  debug?: boolean;
}

export function ormConfig(settings: OrmSettings): Options {
  return defineConfig({
    clientUrl: settings.databaseUrl,
    entities: allEntities,
    extensions: [Migrator],
    // Entities declare every column type explicitly, so no reflection of TypeScript types is needed.
    discovery: { requireEntitiesArray: true },
    pool: { min: 0, max: settings.poolMax ?? 10 },
    debug: settings.debug ?? false,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    migrations: {
      migrationsList,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  });
}
