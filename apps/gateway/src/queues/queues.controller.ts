import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { QueueName } from '@twe/queues';

import { errorResponseRef, validationErrorResponseRef } from '../common/api-errors';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { QueueNamePipe } from './queue-name.pipe';
import {
  failedJobsQueryDocs,
  listFailedJobsQuerySchema,
  QUEUE_NAMES,
  queueRefs,
  type FailedJobPageDto,
  type ListFailedJobsQuery,
  type QueueListDto,
  type RetriedJobDto,
  type RetryAllResultDto,
} from './queue.schemas';
import { QueuesService } from './queues.service';

const queueParam = { name: 'queue', schema: { type: 'string' as const, enum: QUEUE_NAMES } };
const unknownQueue = {
  description: 'Unknown queue (the message names the valid ones)',
  schema: errorResponseRef,
};

@ApiTags('Queues')
@Controller('api/queues')
export class QueuesController {
  constructor(private readonly queues: QueuesService) {}

  @Get()
  @ApiOperation({ summary: 'Every queue with its job counts' })
  @ApiOkResponse({ schema: queueRefs.list })
  list(): Promise<QueueListDto> {
    return this.queues.list();
  }

  @Get(':queue/failed')
  @ApiOperation({
    summary: 'Jobs that exhausted their retries, most recently failed first',
    description: 'Ingest jobs show only source, kind and idempotencyKey of their message.',
  })
  @ApiParam(queueParam)
  @ApiQuery(failedJobsQueryDocs[0]!)
  @ApiQuery(failedJobsQueryDocs[1]!)
  @ApiOkResponse({ schema: queueRefs.failedPage })
  @ApiBadRequestResponse({ schema: validationErrorResponseRef })
  @ApiNotFoundResponse(unknownQueue)
  failed(
    @Param('queue', QueueNamePipe) queue: QueueName,
    @Query(new ZodValidationPipe(listFailedJobsQuerySchema)) query: ListFailedJobsQuery,
  ): Promise<FailedJobPageDto> {
    return this.queues.failed(queue, query);
  }

  // Declared before `:jobId/retry` so that `retry-all` is never read as a job id.
  @Post(':queue/failed/retry-all')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Retry every failed job of a queue',
    description: 'Each job starts over with all its attempts. Jobs failing after the request stay failed.',
  })
  @ApiParam(queueParam)
  @ApiOkResponse({ schema: queueRefs.retryAll })
  @ApiNotFoundResponse(unknownQueue)
  retryAll(@Param('queue', QueueNamePipe) queue: QueueName): Promise<RetryAllResultDto> {
    return this.queues.retryAll(queue);
  }

  @Post(':queue/failed/:jobId/retry')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Retry one failed job',
    description: 'The job goes back to waiting with all its attempts again.',
  })
  @ApiParam(queueParam)
  @ApiParam({ name: 'jobId', schema: { type: 'string', example: 'email-42' } })
  @ApiOkResponse({ schema: queueRefs.retried })
  @ApiNotFoundResponse({ description: 'Unknown queue or job', schema: errorResponseRef })
  @ApiConflictResponse({ description: 'The job is not in the failed state', schema: errorResponseRef })
  retry(
    @Param('queue', QueueNamePipe) queue: QueueName,
    @Param('jobId') jobId: string,
  ): Promise<RetriedJobDto> {
    return this.queues.retry(queue, jobId);
  }
}
