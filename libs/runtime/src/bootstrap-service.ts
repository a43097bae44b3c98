import 'reflect-metadata';

import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';

import { appConfig } from './app-config.provider';
import { rpcServer } from './rpc-transport';

export interface ServiceOptions {
  /** Used in logs and metrics. */
  serviceName: string;
  /** HTTP port when HTTP_PORT is not set. */
  defaultHttpPort: number;
  /** Extra set-up before listen (e.g. OpenAPI on the gateway). */
  configure?: (app: INestApplication) => void | Promise<void>;
  /** Answers the gateway's request/reply messages (`@MessagePattern` handlers) over Redis. */
  rpcServer?: boolean;
}

/**
 * Starts one service: config validated before Nest, pino logs, shutdown hooks so workers drain
 * their jobs in hand on SIGTERM, and the HTTP listener for the API or /health + /metrics.
 */
export async function bootstrapService(
  rootModule: unknown,
  options: ServiceOptions,
): Promise<INestApplication> {
  const config = appConfig();
  const app = await NestFactory.create(rootModule as never, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await options.configure?.(app);
  if (options.rpcServer) {
    app.connectMicroservice({ strategy: rpcServer() }, { inheritAppConfig: true });
    await app.startAllMicroservices();
  }
  const port = config.HTTP_PORT ?? options.defaultHttpPort;
  await app.listen(port, '0.0.0.0');
  app.get(Logger).log(`${options.serviceName} listening on port ${port}`);
  return app;
}

/** For `main.ts`: a start-up failure (bad config, schema behind) prints one clear line and exits 1. */
export function runService(start: () => Promise<unknown>): void {
  start().catch((error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  });
}
