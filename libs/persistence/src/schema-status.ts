import type { MikroORM } from '@mikro-orm/postgresql';

export class SchemaBehindError extends Error {
  override name = 'SchemaBehindError';
}

/**
 * Services refuse to start on a schema that is behind: running new code on an old schema fails
 * later, in the middle of a job. Migrations run once, by the `migrate` command (a k8s Job).
 */
export async function assertSchemaCurrent(orm: MikroORM): Promise<void> {
  const pending = await orm.getMigrator().getPendingMigrations();
  if (pending.length > 0) {
    throw new SchemaBehindError(
      `Database schema is behind: ${pending.length} migration(s) pending (${pending.map((m) => m.name).join(', ')}). ` +
        'Run `npm run migrate` (in Kubernetes: the twe-migrate Job) and start the service again.',
    );
  }
}

export async function runMigrations(orm: MikroORM): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((migration) => migration.name);
}
