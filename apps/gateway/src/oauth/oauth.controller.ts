import { Controller, Get, Param, Query } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';

import { errorResponseRef } from '../common/api-errors';
import { idPathParam, ParseIdPipe } from '../common/id-param.pipe';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { OAuthConnectService } from './oauth-connect.service';
import {
  oauthCallbackQuerySchema,
  oauthRefs,
  type AuthorizeUrlDto,
  type OAuthCallbackQuery,
  type OAuthConnectedDto,
} from './oauth.schemas';

@ApiTags('Mailboxes')
@Controller()
export class OAuthController {
  constructor(private readonly connect: OAuthConnectService) {}

  @Get('api/mailboxes/:id/oauth/authorize-url')
  @ApiOperation({
    summary: 'Sign-in URL to connect an OAuth mailbox (Microsoft)',
    description:
      "Built from the mailbox's tenant, client id and redirect URL, with the IMAP and POP scopes and a signed, " +
      'expiring state. Open it in a browser; the provider redirects to the callback below.',
  })
  @ApiParam(idPathParam)
  @ApiOkResponse({ schema: oauthRefs.authorizeUrl })
  @ApiBadRequestResponse({
    description: 'Not an OAuth mailbox, or settings missing',
    schema: errorResponseRef,
  })
  @ApiNotFoundResponse({ schema: errorResponseRef })
  authorizeUrl(@Param('id', new ParseIdPipe('Mailbox')) id: number): Promise<AuthorizeUrlDto> {
    return this.connect.authorizeUrl(id);
  }

  @Get('api/oauth/microsoft/callback')
  @ApiOperation({
    summary: 'Redirect target of the Microsoft sign-in (register it as the redirect URL)',
    description:
      'Verifies the state, redeems the code, stores the tokens (encrypted) and clears "needs re-authorization".',
  })
  @ApiQuery({ name: 'code', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'state', required: true, schema: { type: 'string' } })
  @ApiQuery({ name: 'error', required: false, schema: { type: 'string' } })
  @ApiQuery({ name: 'error_description', required: false, schema: { type: 'string' } })
  @ApiOkResponse({ schema: oauthRefs.connected })
  @ApiBadRequestResponse({
    description: 'Bad or expired state, refused code, sign-in declined',
    schema: errorResponseRef,
  })
  @ApiBadGatewayResponse({ description: 'The identity provider failed', schema: errorResponseRef })
  callback(
    @Query(new ZodValidationPipe(oauthCallbackQuerySchema)) query: OAuthCallbackQuery,
  ): Promise<OAuthConnectedDto> {
    return this.connect.callback(query);
  }
}
