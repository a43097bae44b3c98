import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** Redis the tests use; TEST_REDIS_URL overrides it. */
export function testRedisUrl(): string {
  return process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
}

/** A BullMQ key prefix no other test run uses, e.g. `twe-t-3f9a1c0b2d`. */
export function uniqueQueuePrefix(): string {
  return `twe-t-${randomBytes(5).toString('hex')}`;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** Deletes every key `<prefix>:*` (SCAN, not KEYS, so a shared Redis is not blocked). Returns how many. */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let deleted = 0;
    const stream = redis.scanStream({ match: `${escapeGlob(prefix)}:*`, count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}
