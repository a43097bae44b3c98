import type { MikroORM } from '@mikro-orm/postgresql';

import { migrationsList } from './migrations';

const MIGRATIONS_TABLE = 'mikro_orm_migrations';

export class SchemaBehindError extends Error {
  override name = 'SchemaBehindError';
}

/** Names of the migrations this build knows that the database has not applied yet. */
export async function pendingMigrationNames(orm: MikroORM): Promise<string[]> {
  // Read-only on purpose: the migrator's own `getPendingMigrations()` creates its table first, and
  // several services starting at once on a fresh database then race on that CREATE TABLE (seen as
  // "duplicate key value violates unique constraint pg_type_typname_nsp_index").
  const connection = orm.em.getConnection();
  const [{ present }] = await connection.execute<{ present: boolean }[]>(
    `select to_regclass('public.${MIGRATIONS_TABLE}') is not null as present`,
  );
  const applied = present
    ? new Set(
        (await connection.execute<{ name: string }[]>(`select name from ${MIGRATIONS_TABLE}`)).map(
          (row) => row.name,
        ),
      )
    : new Set<string>();
  return migrationsList.map((migration) => migration.name).filter((name) => !applied.has(name));
}

/**
 * Services refuse to start on a schema that is behind: running new code on an old schema fails
 * later, in the middle of a job. Migrations run once, by the `migrate` command (a k8s Job).
 */
export async function assertSchemaCurrent(orm: MikroORM): Promise<void> {
  const pending = await pendingMigrationNames(orm);
  if (pending.length > 0) {
    throw new SchemaBehindError(
      `Database schema is behind: ${pending.length} migration(s) pending (${pending.join(', ')}). ` +
        'Run `npm run migrate` (in Kubernetes: the twe-migrate Job) and start the service again.',
    );
  }
}

export async function runMigrations(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((migration) => migration.name);
}
