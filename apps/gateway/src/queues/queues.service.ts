import { Inject, Injectable } from '@nestjs/common';
import type { QueueName } from '@twe/queues';
import type { Queue } from 'bullmq';

import { conflict, notFound } from '../common/api-errors';
import { toFailedJobDto } from './failed-job.mapper';
import { FailedRowReopener } from './failed-row-reopener';
import {
  QUEUE_NAMES,
  type FailedJobPageDto,
  type ListFailedJobsQuery,
  type QueueListDto,
  type RetriedJobDto,
  type RetryAllResultDto,
} from './queue.schemas';

/** A retried job starts over: all its attempts and backoff again (see the class comment). */
const RETRY_OPTIONS = { resetAttemptsMade: true, resetAttemptsStarted: true };

export const QUEUES_BY_NAME = Symbol('QUEUES_BY_NAME');
export type QueuesByName = ReadonlyMap<QueueName, Queue>;

/**
 * Our ids are short and plain (`email-12`, `ingest-<sha256>`, and `repeat:<key>:<ms>` of the job
 * schedulers); anything else cannot name a job, and is not echoed back.
 */
const JOB_ID = /^[A-Za-z0-9._:-]{1,200}$/;

/**
 * Staff view of the queues: counts, the failed set (jobs that exhausted their retries) and retrying
 * them. A retry gives the job its full attempts and backoff again (attempts are reset), since the
 * cause (relay down, database restarted) may not be gone the very second staff press the button.
 */
@Injectable()
export class QueuesService {
  constructor(
    @Inject(QUEUES_BY_NAME) private readonly queues: QueuesByName,
    private readonly rows: FailedRowReopener,
  ) {}

  async list(): Promise<QueueListDto> {
    const items = await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const counts = await this.queue(name).getJobCounts(
          'waiting',
          'active',
          'delayed',
          'failed',
          'completed',
        );
        return {
          name,
          waiting: counts['waiting'] ?? 0,
          active: counts['active'] ?? 0,
          delayed: counts['delayed'] ?? 0,
          failed: counts['failed'] ?? 0,
          completed: counts['completed'] ?? 0,
        };
      }),
    );
    return { items };
  }

  async failed(name: QueueName, query: ListFailedJobsQuery): Promise<FailedJobPageDto> {
    const queue = this.queue(name);
    const [jobs, total] = await Promise.all([
      queue.getFailed(query.offset, query.offset + query.limit - 1),
      queue.getFailedCount(),
    ]);
    return {
      queue: name,
      // getFailed skips ids whose job hash is gone (removed meanwhile).
      items: jobs.filter((job) => job !== undefined).map((job) => toFailedJobDto(name, job)),
      limit: query.limit,
      offset: query.offset,
      total,
    };
  }

  async retry(name: QueueName, jobId: string): Promise<RetriedJobDto> {
    const queue = this.queue(name);
    const job = JOB_ID.test(jobId) ? await queue.getJob(jobId) : undefined;
    if (!job) throw notFound(`Job ${name}`, JOB_ID.test(jobId) ? jobId : '(invalid id)');
    const state = await job.getState();
    if (state !== 'failed') throw notFailed(name, jobId, state);
    try {
      await this.rows.reopen(name, job.data);
      await job.retry('failed', RETRY_OPTIONS);
    } catch (error) {
      // Someone else retried (or removed) it between the check and the move.
      const now = await queue.getJobState(jobId);
      if (now === 'unknown') throw notFound(`Job ${name}`, jobId);
      if (now !== 'failed') throw notFailed(name, jobId, now);
      throw error;
    }
    return { queue: name, id: jobId, state: await queue.getJobState(jobId) };
  }

  /**
   * Retries every job that had failed when the request came (a job failing again meanwhile waits for
   * the next press), one by one: Queue.retryJobs would keep the attempts made, leaving each job a
   * single try. One job at a time is loaded (ingest jobs can be large).
   */
  async retryAll(name: QueueName): Promise<RetryAllResultDto> {
    const queue = this.queue(name);
    // A snapshot of ids: jobs failing after this line are not retried by this request.
    const ids = await queue.getRanges(['failed'], 0, -1);
    let retried = 0;
    for (const id of ids) {
      const job = await queue.getJob(id);
      if (!job) continue;
      try {
        await this.rows.reopen(name, job.data);
        await job.retry('failed', RETRY_OPTIONS);
        retried += 1;
      } catch {
        // Retried or removed by someone else since the ids were read: not this request's to count.
      }
    }
    return { queue: name, retried };
  }

  private queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    // The module registers every QueueName, so this is a programming error, not a 404.
    if (!queue) throw new Error(`Queue ${name} is not registered in the gateway`);
    return queue;
  }
}

function notFailed(name: QueueName, jobId: string, state: string) {
  return conflict(`Job ${name} ${jobId} is not failed (it is ${state}); only failed jobs can be retried`, {
    state,
  });
}
