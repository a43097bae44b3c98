import { databaseEnvSchema, loadConfig } from '@twe/config';
import { MikroORM } from '@mikro-orm/postgresql';

import { ormConfig } from './orm-config';
import { runMigrations } from './schema-status';

/** `npm run migrate`: applies pending migrations to DATABASE_URL and exits. */
export async function migrateCommand(): Promise<void> {
  const config = loadConfig(databaseEnvSchema);
  const orm = await MikroORM.init(ormConfig({ databaseUrl: config.DATABASE_URL, poolMax: 1 }));
  try {
    const applied = await runMigrations(orm);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Schema is up to date.');
  } finally {
    await orm.close();
  }
}

if (require.main === module) {
  migrateCommand().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
