import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrationsList } from '@twe/persistence';
import {
  createTestDatabase,
  deleteRedisKeys,
  repoRoot,
  SERVICE_NAMES,
  testRedisUrl,
  uniqueQueuePrefix,
  type TestDatabase,
} from '@twe/testing';

/**
 * Every service refuses to start on a database whose schema is behind (here: no migration applied),
 * and says which command to run. Each one is started from its build output as an operator would.
 */
interface Exit {
  code: number | null;
  output: string;
}

function runService(name: string, env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot(), 'apps', name, 'dist', 'main.js')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, 30_000);
    // Settled on exit only, so that no service still writes to Redis when afterAll cleans up.
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (timedOut)
        reject(new Error(`${name} was still running after 30 s on an unmigrated database:\n${output}`));
      else resolve({ code, output });
    });
  });
}

describe('a schema that is behind', () => {
  let database: TestDatabase;
  const exits = new Map<string, Exit>();
  // The services build their queues (which write `<queue>:meta`) before the schema check stops them.
  const queuePrefix = uniqueQueuePrefix();

  beforeAll(async () => {
    database = await createTestDatabase(); // created, never migrated
    const env = {
      NODE_ENV: 'development',
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: queuePrefix,
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
    };
    // allSettled: every service has exited before a failure is reported (and afterAll runs).
    const results = await Promise.allSettled(SERVICE_NAMES.map((name) => runService(name, env)));
    for (const [i, result] of results.entries()) {
      if (result.status === 'rejected') throw result.reason;
      exits.set(SERVICE_NAMES[i], result.value);
    }
  }, 120_000);

  afterAll(async () => {
    // Every service has exited by now (beforeAll waited for each exit), so nothing writes after this.
    await deleteRedisKeys(testRedisUrl(), queuePrefix);
    await database?.drop();
  });

  it.each(SERVICE_NAMES.map((name) => [name]))('%s exits non-zero and names the migrate command', (name) => {
    const exit = exits.get(name)!;
    expect({ name, code: exit.code }).toEqual({ name, code: 1 });
    // Every migration is pending on a fresh database (the count grows with each schema change).
    expect(exit.output).toContain(`Database schema is behind: ${migrationsList.length} migration(s) pending`);
    expect(exit.output).toContain('Run `npm run migrate`');
  });
});
