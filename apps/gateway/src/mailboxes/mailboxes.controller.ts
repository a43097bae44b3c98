import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';

import { errorResponseRef, validationErrorResponseRef } from '../common/api-errors';
import { confirmQueryDoc } from '../common/delete-confirmation';
import { idPathParam, ParseIdPipe } from '../common/id-param.pipe';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import {
  createMailboxSchema,
  mailboxRefs,
  updateMailboxSchema,
  type CreateMailboxInput,
  type FetchNowDto,
  type MailboxDto,
  type UpdateMailboxInput,
} from './mailbox.schemas';
import { MailboxesService } from './mailboxes.service';

@ApiTags('Mailboxes')
@ApiBadRequestResponse({
  description: 'Validation failed (one message per field)',
  schema: validationErrorResponseRef,
})
@Controller('api/mailboxes')
export class MailboxesController {
  constructor(private readonly mailboxes: MailboxesService) {}

  @Get()
  @ApiOperation({ summary: 'List mailboxes with their health' })
  @ApiOkResponse({ schema: { type: 'array', items: mailboxRefs.mailbox } })
  list(): Promise<MailboxDto[]> {
    return this.mailboxes.list();
  }

  @Post()
  @ApiOperation({
    summary: 'Create a mailbox',
    description:
      'Plain types need `password`; OAuth types need `oauthProvider`, `tenantId`, `clientId` and `clientSecret`.',
  })
  @ApiBody({ schema: mailboxRefs.create })
  @ApiCreatedResponse({ schema: mailboxRefs.mailbox })
  create(@Body(new ZodValidationPipe(createMailboxSchema)) input: CreateMailboxInput): Promise<MailboxDto> {
    return this.mailboxes.create(input);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Mailbox details, health and which secrets are set' })
  @ApiParam(idPathParam)
  @ApiOkResponse({ schema: mailboxRefs.mailbox })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  get(@Param('id', new ParseIdPipe('Mailbox')) id: number): Promise<MailboxDto> {
    return this.mailboxes.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Edit a mailbox',
    description:
      'Omitted fields keep their value. For secrets (`password`, `clientSecret`, `refreshToken`): omit to keep, ' +
      'a new value to replace, `null` to clear; an empty string is an error.',
  })
  @ApiParam(idPathParam)
  @ApiBody({ schema: mailboxRefs.update })
  @ApiOkResponse({ schema: mailboxRefs.mailbox })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  update(
    @Param('id', new ParseIdPipe('Mailbox')) id: number,
    @Body(new ZodValidationPipe(updateMailboxSchema)) input: UpdateMailboxInput,
  ): Promise<MailboxDto> {
    return this.mailboxes.update(id, input);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a mailbox (needs ?confirm=true)',
    description:
      'A mailbox that ticket types use or captured messages reference cannot be deleted (409 names them).',
  })
  @ApiParam(idPathParam)
  @ApiQuery(confirmQueryDoc)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  @ApiConflictResponse({ description: 'The mailbox has related data', schema: errorResponseRef })
  async remove(
    @Param('id', new ParseIdPipe('Mailbox')) id: number,
    @Query('confirm') confirm: unknown,
  ): Promise<void> {
    await this.mailboxes.remove(id, confirm);
  }

  @Post(':id/fetch-now')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Run the Email Processing Task for this mailbox now' })
  @ApiParam(idPathParam)
  @ApiAcceptedResponse({ schema: mailboxRefs.fetchNow })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  fetchNow(@Param('id', new ParseIdPipe('Mailbox')) id: number): Promise<FetchNowDto> {
    return this.mailboxes.fetchNow(id);
  }
}
