import { NestFactory } from '@nestjs/core';
import {
  createTestDatabase,
  deleteRedisKeys,
  testRedisUrl,
  uniqueQueuePrefix,
  type TestDatabase,
} from '@twe/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { AppModule } from '../src/app.module';

let database: TestDatabase;
// The queues are built (and write their `<queue>:meta` keys) before the key check fails: without a
// prefix of its own this test wrote them under the production default `twe`.
const queuePrefix = uniqueQueuePrefix();

beforeAll(async () => {
  // A reachable database, so that the only thing missing is the key.
  database = await createTestDatabase();
  Object.assign(process.env, {
    NODE_ENV: 'production',
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: queuePrefix,
    LOG_LEVEL: 'silent',
  });
  delete process.env['TWE_SECRET_KEY'];
});

afterAll(async () => {
  await database?.drop();
  await deleteRedisKeys(testRedisUrl(), queuePrefix);
});

it('refuses to start in production without TWE_SECRET_KEY, naming the variable', async () => {
  // main.ts goes through bootstrapService -> NestFactory.create; the cipher is built while the module
  // graph is created, before any request. abortOnError: false turns Nest's exit into a rejection here.
  await expect(NestFactory.create(AppModule, { abortOnError: false, logger: false })).rejects.toThrow(
    /TWE_SECRET_KEY is required outside development and test/,
  );
});
