import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export interface TestDatabase {
  /** Connection URL of the new database (the admin URL with its path replaced). */
  url: string;
  name: string;
  /** Ends every connection to it and drops it. */
  drop(): Promise<void>;
}

const TEST_DATABASE_NAME = /^twe_t_(\d+)_[0-9a-f]+$/;

/** Server the test databases are created on; TEST_PG_ADMIN_URL overrides it. */
export function pgAdminUrl(): string {
  return process.env['TEST_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

async function withAdminClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: pgAdminUrl(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

async function dropDatabase(client: Client, name: string): Promise<void> {
  // WITH (FORCE) (PostgreSQL 13+) terminates the remaining sessions as part of the drop, so a pool
  // that reconnects between a separate pg_terminate_backend and DROP cannot make it fail.
  await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
}

/** A new, empty, uniquely named database `twe_t_<epoch ms>_<random>`. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `twe_t_${Date.now()}_${randomBytes(4).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}`));
  const url = new URL(pgAdminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withAdminClient((client) => dropDatabase(client, name)),
  };
}

/** Drops `twe_t_*` databases created more than olderThanMs ago (left behind by crashed runs). Returns their names. */
export async function dropStaleTestDatabases(olderThanMs: number): Promise<string[]> {
  const cutoff = Date.now() - olderThanMs;
  return withAdminClient(async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'twe\\_t\\_%'`,
    );
    const stale = rows
      .map((row) => row.datname)
      .filter((name) => {
        const match = TEST_DATABASE_NAME.exec(name);
        return match !== null && Number(match[1]) < cutoff;
      });
    for (const name of stale) await dropDatabase(client, name);
    return stale;
  });
}
