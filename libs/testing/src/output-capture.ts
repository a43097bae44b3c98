import fs from 'node:fs';

import { Redis } from 'ioredis';

export interface OutputCapture {
  /** Everything written to stdout and stderr since the capture started. */
  text(): string;
  /** Stops capturing (output is passed through all along). */
  stop(): void;
}

type FsWrite = (fd: number, data: unknown, ...rest: unknown[]) => unknown;

/**
 * Records what the process writes to stdout/stderr, for "no secret in any log line" checks. pino
 * writes through sonic-boom, which calls `fs.write`/`fs.writeSync` on fd 1 directly (not
 * `process.stdout.write`), so both paths are tapped. Output still reaches the terminal.
 */
export function captureProcessOutput(): OutputCapture {
  const chunks: string[] = [];
  const record = (data: unknown) => {
    if (typeof data === 'string') chunks.push(data);
    else if (data instanceof Uint8Array) chunks.push(Buffer.from(data).toString('utf8'));
  };
  const mutableFs = fs as unknown as { write: FsWrite; writeSync: FsWrite };
  const originalWrite = mutableFs.write;
  const originalWriteSync = mutableFs.writeSync;
  const originalStdout = process.stdout.write.bind(process.stdout);
  const originalStderr = process.stderr.write.bind(process.stderr);
  mutableFs.write = (fd, data, ...rest) => {
    if (fd === 1 || fd === 2) record(data);
    return originalWrite.call(fs, fd, data, ...rest);
  };
  mutableFs.writeSync = (fd, data, ...rest) => {
    if (fd === 1 || fd === 2) record(data);
    return originalWriteSync.call(fs, fd, data, ...rest);
  };
  process.stdout.write = ((data: unknown, ...rest: unknown[]) => {
    record(data);
    return (originalStdout as (...args: unknown[]) => boolean)(data, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((data: unknown, ...rest: unknown[]) => {
    record(data);
    return (originalStderr as (...args: unknown[]) => boolean)(data, ...rest);
  }) as typeof process.stderr.write;
  return {
    text: () => chunks.join(''),
    stop() {
      mutableFs.write = originalWrite;
      mutableFs.writeSync = originalWriteSync;
      process.stdout.write = originalStdout as typeof process.stdout.write;
      process.stderr.write = originalStderr as typeof process.stderr.write;
    },
  };
}

/** Every value stored under `<prefix>:*` (strings, hashes, lists, sets, sorted sets, streams) as one text. */
export async function readRedisKeysAsText(redisUrl: string, prefix: string): Promise<string> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    const parts: string[] = [];
    const stream = redis.scanStream({ match: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`, count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      for (const key of keys) {
        const type = await redis.type(key);
        let value: unknown;
        if (type === 'string') value = await redis.get(key);
        else if (type === 'hash') value = await redis.hgetall(key);
        else if (type === 'list') value = await redis.lrange(key, 0, -1);
        else if (type === 'set') value = await redis.smembers(key);
        else if (type === 'zset') value = await redis.zrange(key, 0, -1);
        else if (type === 'stream') value = await redis.xrange(key, '-', '+');
        parts.push(`${key} ${JSON.stringify(value)}`);
      }
    }
    return parts.join('\n');
  } finally {
    redis.disconnect();
  }
}
