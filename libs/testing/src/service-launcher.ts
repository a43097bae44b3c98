import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';

import { freePorts } from './free-port';

/** The services, each started from its build output as its own OS process. */
export const SERVICE_NAMES = [
  'gateway',
  'mail-fetcher',
  'ticket-processor',
  'mail-sender',
  'bounce-worker',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface LaunchOptions {
  /** Environment for every service (DATABASE_URL, QUEUE_PREFIX, SMTP_PORT, ...). */
  env: Record<string, string>;
  /** Per-service stdout/stderr files go here (one `<service>.log` each, appended across restarts). */
  logDir: string;
  services?: readonly ServiceName[];
}

export interface RunningSystem {
  gatewayUrl: string;
  ports: Record<ServiceName, number>;
  /** Sends a signal to one service (SIGKILL for crash tests) and waits for it to exit. */
  kill(service: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped service again and waits for its /health. */
  start(service: ServiceName): Promise<void>;
  /** Process id of each running service (for memory readings). */
  pids(): Partial<Record<ServiceName, number>>;
  /** SIGTERM to all (graceful drain), SIGKILL after 15 s. */
  stop(): Promise<void>;
}

export function repoRoot(): string {
  // this file lives in libs/testing/{src,dist}/
  return resolve(__dirname, '..', '..', '..');
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`service exited with code ${child.exitCode} before ${url} was healthy`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not healthy after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function launchServices(options: LaunchOptions): Promise<RunningSystem> {
  const services = options.services ?? SERVICE_NAMES;
  mkdirSync(options.logDir, { recursive: true });
  const portList = await freePorts(services.length);
  const ports = Object.fromEntries(services.map((name, i) => [name, portList[i]])) as Record<
    ServiceName,
    number
  >;
  const children = new Map<ServiceName, ChildProcess>();
  const logs = new Map<ServiceName, WriteStream>();

  const startOne = async (name: ServiceName): Promise<void> => {
    const log = logs.get(name) ?? createWriteStream(join(options.logDir, `${name}.log`), { flags: 'a' });
    logs.set(name, log);
    const child = spawn(process.execPath, [join(repoRoot(), 'apps', name, 'dist', 'main.js')], {
      cwd: repoRoot(),
      env: { ...process.env, ...options.env, HTTP_PORT: String(ports[name]) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    children.set(name, child);
    await waitForHealth(`http://127.0.0.1:${ports[name]}/health`, child, 60_000).catch((error: Error) => {
      throw new Error(`${name}: ${error.message} (see ${join(options.logDir, `${name}.log`)})`);
    });
  };

  const killOne = async (name: ServiceName, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const child = children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await Promise.all(services.map(startOne));
  } catch (error) {
    await Promise.all(services.map((name) => killOne(name, 'SIGKILL')));
    throw error;
  }

  return {
    gatewayUrl: `http://127.0.0.1:${ports.gateway}`,
    ports,
    kill: killOne,
    start: startOne,
    pids: () =>
      Object.fromEntries(
        [...children.entries()]
          .filter(([, child]) => child.exitCode === null)
          .map(([name, child]) => [name, child.pid]),
      ),
    stop: async () => {
      await Promise.all(services.map((name) => killOne(name, 'SIGTERM')));
      for (const log of logs.values()) log.end();
    },
  };
}
