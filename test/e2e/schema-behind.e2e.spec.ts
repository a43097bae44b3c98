import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { migrationsList } from '@twe/persistence';
import {
  createTestDatabase,
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
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} was still running after 30 s on an unmigrated database:\n${output}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('a schema that is behind', () => {
  let database: TestDatabase;
  const exits = new Map<string, Exit>();

  beforeAll(async () => {
    database = await createTestDatabase(); // created, never migrated
    const env = {
      NODE_ENV: 'development',
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: uniqueQueuePrefix(),
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
    };
    const results = await Promise.all(SERVICE_NAMES.map((name) => runService(name, env)));
    SERVICE_NAMES.forEach((name, i) => exits.set(name, results[i]));
  }, 120_000);

  afterAll(async () => {
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
