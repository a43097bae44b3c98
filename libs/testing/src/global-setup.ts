import { Redis } from 'ioredis';
import { Client } from 'pg';
import { findDovecotBinary } from './dovecot';
import { testRedisUrl } from './redis-prefix';
import { dropStaleTestDatabases, pgAdminUrl } from './test-database';

const PROVISION_HINT = 'run `bash scripts/provision.sh`';
const STALE_DATABASE_AGE_MS = 6 * 60 * 60 * 1000;

async function checkPostgres(): Promise<void> {
  const client = new Client({ connectionString: pgAdminUrl(), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${pgAdminUrl()} (${String(error)}); ${PROVISION_HINT}`, {
      cause: error,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(): Promise<void> {
  // No retries: a missing Redis should fail the run at once, not after ioredis' reconnect loop.
  const redis = new Redis(testRedisUrl(), {
    lazyConnect: true,
    connectTimeout: 5_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let socketError: unknown; // connect() itself only says "Connection is closed."
  redis.on('error', (error) => (socketError ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const reason = String(socketError ?? error);
    throw new Error(`Redis is not reachable at ${testRedisUrl()} (${reason}); ${PROVISION_HINT}`, {
      cause: error,
    });
  } finally {
    redis.disconnect();
  }
}

/** vitest globalSetup: fail early, with the fix in the message, when the machine lacks a service. */
export default async function globalSetup(): Promise<void> {
  await Promise.all([checkPostgres(), checkRedis()]);
  if (findDovecotBinary() === null) throw new Error(`Dovecot is not installed; ${PROVISION_HINT}`);
  await dropStaleTestDatabases(STALE_DATABASE_AGE_MS);
}
