import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';

import { errorResponseRef, validationErrorResponseRef } from '../common/api-errors';
import { idPathParam, ParseIdPipe } from '../common/id-param.pipe';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import {
  listTicketsQuerySchema,
  reassignRefs,
  reassignTicketSchema,
  ticketListQueryDocs,
  ticketRefs,
  type ListTicketsQuery,
  type ReassignResultDto,
  type ReassignTicketInput,
  type TicketDetailDto,
  type TicketPageDto,
} from './ticket.schemas';
import { TicketReassignmentService } from './ticket-reassignment.service';
import { TicketsService } from './tickets.service';

function ApiListQueries(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const doc of ticketListQueryDocs) ApiQuery(doc)(target, key, descriptor);
  };
}

@ApiTags('Tickets')
@Controller('api/tickets')
export class TicketsController {
  constructor(
    private readonly tickets: TicketsService,
    private readonly reassignment: TicketReassignmentService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Tickets, newest first, paged and filtered' })
  @ApiListQueries()
  @ApiOkResponse({ schema: ticketRefs.page })
  @ApiBadRequestResponse({ schema: validationErrorResponseRef })
  list(
    @Query(new ZodValidationPipe(listTicketsQuerySchema)) query: ListTicketsQuery,
  ): Promise<TicketPageDto> {
    return this.tickets.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A ticket with its logs and attachment metadata' })
  @ApiParam(idPathParam)
  @ApiOkResponse({ schema: ticketRefs.detail })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  get(@Param('id', new ParseIdPipe('Ticket')) id: number): Promise<TicketDetailDto> {
    return this.tickets.get(id);
  }

  @Post(':id/reassign')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Give an invalid ticket its ticket type; its notification is queued then',
  })
  @ApiParam(idPathParam)
  @ApiBody({ schema: reassignRefs.body })
  @ApiOkResponse({ schema: reassignRefs.result })
  @ApiBadRequestResponse({ schema: validationErrorResponseRef })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  @ApiConflictResponse({ schema: errorResponseRef })
  reassign(
    @Param('id', new ParseIdPipe('Ticket')) id: number,
    @Body(new ZodValidationPipe(reassignTicketSchema)) input: ReassignTicketInput,
  ): Promise<ReassignResultDto> {
    return this.reassignment.reassign(id, input);
  }
}
