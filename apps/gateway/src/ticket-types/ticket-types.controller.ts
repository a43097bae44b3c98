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
  createTicketTypeSchema,
  ticketTypeRefs,
  updateTicketTypeSchema,
  type CreateTicketTypeInput,
  type TicketTypeDto,
  type UpdateTicketTypeInput,
} from './ticket-type.schemas';
import { TicketTypesService } from './ticket-types.service';

@ApiTags('Ticket types')
@ApiBadRequestResponse({
  description: 'Validation failed (one message per field)',
  schema: validationErrorResponseRef,
})
@Controller('api/ticket-types')
export class TicketTypesController {
  constructor(private readonly types: TicketTypesService) {}

  @Get()
  @ApiOperation({ summary: 'List ticket types' })
  @ApiOkResponse({ schema: { type: 'array', items: ticketTypeRefs.ticketType } })
  list(): Promise<TicketTypeDto[]> {
    return this.types.list();
  }

  @Post()
  @ApiOperation({
    summary: 'Create a ticket type',
    description:
      '`mailboxId` must name an existing mailbox. With `saveTable`, all three columns are required and are checked ' +
      'against the database catalogue (current schema, text columns, no other required columns).',
  })
  @ApiBody({ schema: ticketTypeRefs.create })
  @ApiCreatedResponse({ schema: ticketTypeRefs.ticketType })
  create(
    @Body(new ZodValidationPipe(createTicketTypeSchema)) input: CreateTicketTypeInput,
  ): Promise<TicketTypeDto> {
    return this.types.create(input);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Ticket type details' })
  @ApiParam(idPathParam)
  @ApiOkResponse({ schema: ticketTypeRefs.ticketType })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  get(@Param('id', new ParseIdPipe('Ticket type')) id: number): Promise<TicketTypeDto> {
    return this.types.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Edit a ticket type',
    description: 'Omitted fields keep their value; `null` clears an optional field.',
  })
  @ApiParam(idPathParam)
  @ApiBody({ schema: ticketTypeRefs.update })
  @ApiOkResponse({ schema: ticketTypeRefs.ticketType })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  update(
    @Param('id', new ParseIdPipe('Ticket type')) id: number,
    @Body(new ZodValidationPipe(updateTicketTypeSchema)) input: UpdateTicketTypeInput,
  ): Promise<TicketTypeDto> {
    return this.types.update(id, input);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a ticket type (needs ?confirm=true)',
    description: 'A type with tickets cannot be deleted (409 with the count); deactivate it instead.',
  })
  @ApiParam(idPathParam)
  @ApiQuery(confirmQueryDoc)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  @ApiConflictResponse({ description: 'The type has tickets', schema: errorResponseRef })
  async remove(
    @Param('id', new ParseIdPipe('Ticket type')) id: number,
    @Query('confirm') confirm: unknown,
  ): Promise<void> {
    await this.types.remove(id, confirm);
  }
}
