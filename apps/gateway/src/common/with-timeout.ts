import { ServiceUnavailableException } from '@nestjs/common';

/**
 * BullMQ connections retry forever while Redis is down, so an enqueue would hang the request.
 * Answer 503 instead; the job may still be added once Redis is back (its id dedupes a retry).
 */
export async function withQueueTimeout<T>(work: Promise<T>, timeoutMs = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ServiceUnavailableException({
            statusCode: 503,
            message: 'The job queue (Redis) is not reachable; try again later',
          }),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
