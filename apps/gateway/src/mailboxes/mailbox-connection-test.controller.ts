import {
  Controller,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Post,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  mailboxTestConnectionReply,
  RpcPattern,
  type MailboxTestConnectionReply,
  type MailboxTestConnectionRequest,
} from '@twe/queues';
import type { AppConfig } from '@twe/config';
import { APP_CONFIG, RpcClient, RpcTimeoutError } from '@twe/runtime';

import { errorResponseRef, notFound } from '../common/api-errors';
import { idPathParam, ParseIdPipe } from '../common/id-param.pipe';
import { apiSchema } from '../common/openapi-registry';
import { MailboxRepository } from './mailbox.repository';

/** The fetcher bounds its check by MAILBOX_TEST_TIMEOUT_MS; a slow but answering check must not look like "no fetcher". */
const REPLY_MARGIN_MS = 5_000;

const testConnectionRef = apiSchema('MailboxTestConnection', mailboxTestConnectionReply, 'output');

@ApiTags('Mailboxes')
@Controller('api/mailboxes')
export class MailboxConnectionTestController {
  constructor(
    private readonly mailboxes: MailboxRepository,
    private readonly rpc: RpcClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post(':id/test-connection')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Test the connection with the stored settings',
    description:
      'Connects, upgrades (STARTTLS), logs in and opens INBOX, from a mail-fetcher (where fetching runs). ' +
      'Answers 200 with `ok: false`, what failed and the server answer when the server or the settings are at fault.',
  })
  @ApiParam(idPathParam)
  @ApiOkResponse({ schema: testConnectionRef })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  @ApiServiceUnavailableResponse({
    description: 'No mail-fetcher answered in time',
    schema: errorResponseRef,
  })
  async testConnection(
    @Param('id', new ParseIdPipe('Mailbox')) id: number,
  ): Promise<MailboxTestConnectionReply> {
    if (!(await this.mailboxes.findById(id))) throw notFound('Mailbox', id);
    const request: MailboxTestConnectionRequest = { mailboxId: id };
    const waitMs = this.config.MAILBOX_TEST_TIMEOUT_MS + REPLY_MARGIN_MS;
    try {
      const reply = await this.rpc.request<unknown>(RpcPattern.MailboxTestConnection, request, waitMs);
      return mailboxTestConnectionReply.parse(reply);
    } catch (error) {
      if (error instanceof RpcTimeoutError) {
        throw new ServiceUnavailableException({
          statusCode: 503,
          message: `No mail-fetcher answered within ${waitMs / 1000} s; is the mail-fetcher service running?`,
        });
      }
      throw error;
    }
  }
}
