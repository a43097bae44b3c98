import type { AddressInfo } from 'node:net';

import { MikroORM } from '@mikro-orm/postgresql';
import type { INestApplication } from '@nestjs/common';
import { ormConfig, runMigrations } from '@twe/persistence';
import { bootstrapService } from '@twe/runtime';
import {
  createTestDatabase,
  deleteRedisKeys,
  testRedisUrl,
  uniqueQueuePrefix,
  type TestDatabase,
} from '@twe/testing';
import { Client } from 'pg';

import { AppModule } from '../src/app.module';
import { configureGateway } from '../src/configure-gateway';

export interface ApiResponse {
  status: number;
  text: string;
  // Tests read arbitrary response fields.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** The gateway as `main.ts` starts it, on a fresh migrated database, a free port and its own queue prefix. */
export interface GatewayUnderTest {
  baseUrl: string;
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  /** Direct access for arranging rows and checking stored values. */
  db: Client;
  /** The text of every response the gateway gave in this file, for leak checks. */
  responseTexts: string[];
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** Environment set after the harness defaults (e.g. LOG_LEVEL, MICROSOFT_AUTHORITY_HOST). */
  env?: Record<string, string>;
}

export async function startGateway(options: GatewayOptions = {}): Promise<GatewayUnderTest> {
  const database: TestDatabase = await createTestDatabase();
  const orm = await MikroORM.init(ormConfig({ databaseUrl: database.url, poolMax: 1 }));
  try {
    await runMigrations(orm);
  } finally {
    await orm.close();
  }
  const redisUrl = testRedisUrl();
  const queuePrefix = uniqueQueuePrefix();
  // appConfig() reads the environment once per process; vitest runs each file in its own process.
  Object.assign(process.env, {
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: queuePrefix,
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  delete process.env['TWE_SECRET_KEY'];

  // The Redis keys go last: the app's queues, while open, re-create `<queue>:meta` under the prefix.
  const removeDatabaseAndKeys = async (): Promise<void> => {
    await database.drop();
    await deleteRedisKeys(redisUrl, queuePrefix);
  };
  let app: INestApplication;
  try {
    app = await bootstrapService(AppModule, {
      serviceName: 'gateway',
      defaultHttpPort: 3000,
      configure: configureGateway,
    });
  } catch (error) {
    // A failed start closes what Nest had opened; what this harness made is removed here.
    await removeDatabaseAndKeys();
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const db = new Client({ connectionString: database.url });
  await db.connect();
  const responseTexts: string[] = [];

  return {
    baseUrl,
    databaseUrl: database.url,
    redisUrl,
    queuePrefix,
    db,
    responseTexts,
    async request(method, path, body, headers = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${baseUrl}${path}`, init);
      const text = await response.text();
      responseTexts.push(text);
      let parsed: unknown = undefined;
      if (text.length > 0 && (response.headers.get('content-type') ?? '').includes('json'))
        parsed = JSON.parse(text);
      return { status: response.status, text, body: parsed };
    },
    /** Close queues, workers and QueueEvents a test opened on `queuePrefix` before this. */
    async close() {
      try {
        await app.close();
        await db.end();
      } finally {
        await removeDatabaseAndKeys();
      }
    },
  };
}
