import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
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
  bounceListQueryDocs,
  bounceRefs,
  contactBounceQueryDocs,
  contactBouncesQuerySchema,
  listBouncesQuerySchema,
  resolveBounceSchema,
  resolveBouncesSchema,
  type BounceDetailDto,
  type BouncePageDto,
  type ContactBouncesQuery,
  type ListBouncesQuery,
  type ResolveBounceInput,
  type ResolveBouncesInput,
  type ResolveBouncesResultDto,
} from './bounce.schemas';
import { BouncesService } from './bounces.service';

function ApiQueries(docs: typeof bounceListQueryDocs): MethodDecorator {
  return (target, key, descriptor) => {
    for (const doc of docs) ApiQuery(doc)(target, key, descriptor);
  };
}

@ApiTags('Bounces')
@ApiBadRequestResponse({
  description: 'Validation failed (one message per field)',
  schema: validationErrorResponseRef,
})
@Controller('api/bounces')
export class BouncesController {
  constructor(private readonly bounces: BouncesService) {}

  @Get()
  @ApiOperation({
    summary: 'Bounces, newest first, paged and filtered',
    description: 'Unresolved bounces by default (`status=all` or `resolved` for the others).',
  })
  @ApiQueries(bounceListQueryDocs)
  @ApiOkResponse({ schema: bounceRefs.page })
  @ApiNotFoundResponse({ description: 'contactId names no contact', schema: errorResponseRef })
  list(
    @Query(new ZodValidationPipe(listBouncesQuerySchema)) query: ListBouncesQuery,
  ): Promise<BouncePageDto> {
    return this.bounces.list(query);
  }

  // Declared before `:id` so that `resolve` is never read as an id.
  @Post('resolve')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Resolve several bounces',
    description:
      'Resolving the last unresolved hard bounce of an address makes its contacts deliverable again. Ids already resolved or unknown are listed, not errors.',
  })
  @ApiBody({ schema: bounceRefs.resolveMany })
  @ApiOkResponse({ schema: bounceRefs.resolveResult })
  resolveMany(
    @Body(new ZodValidationPipe(resolveBouncesSchema)) input: ResolveBouncesInput,
  ): Promise<ResolveBouncesResultDto> {
    return this.bounces.resolveMany(input);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A bounce with its contacts and the outbound email it answers' })
  @ApiParam(idPathParam)
  @ApiOkResponse({ schema: bounceRefs.detail })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  get(@Param('id', new ParseIdPipe('Bounce')) id: number): Promise<BounceDetailDto> {
    return this.bounces.get(id);
  }

  @Post(':id/resolve')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Resolve one bounce (idempotent: a resolved bounce keeps its first resolution)' })
  @ApiParam(idPathParam)
  @ApiBody({ schema: bounceRefs.resolveOne, required: false })
  @ApiOkResponse({ schema: bounceRefs.detail })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  resolveOne(
    @Param('id', new ParseIdPipe('Bounce')) id: number,
    @Body(new ZodValidationPipe(resolveBounceSchema)) input: ResolveBounceInput,
  ): Promise<BounceDetailDto> {
    return this.bounces.resolveOne(id, input);
  }
}

@ApiTags('Bounces')
@ApiBadRequestResponse({
  description: 'Validation failed (one message per field)',
  schema: validationErrorResponseRef,
})
@Controller('api/contacts')
export class ContactBouncesController {
  constructor(private readonly bounces: BouncesService) {}

  @Get(':id/bounces')
  @ApiOperation({
    summary: "A contact's bounces tab",
    description: "Every bounce of the contact's address, resolved or not by default, newest first.",
  })
  @ApiParam(idPathParam)
  @ApiQueries(contactBounceQueryDocs)
  @ApiOkResponse({ schema: bounceRefs.page })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  forContact(
    @Param('id', new ParseIdPipe('Contact')) id: number,
    @Query(new ZodValidationPipe(contactBouncesQuerySchema)) query: ContactBouncesQuery,
  ): Promise<BouncePageDto> {
    return this.bounces.forContact(id, query);
  }
}
