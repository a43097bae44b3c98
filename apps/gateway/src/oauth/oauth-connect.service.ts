import { BadGatewayException, HttpException, HttpStatus, Injectable, Logger } from '@nestjs/common';
import {
  MicrosoftOAuthTokenService,
  OAuthConfigurationError,
  OAuthProviderError,
  redactSecrets,
} from '@twe/mail';
import { MailboxKind } from '@twe/persistence';

import { notFound } from '../common/api-errors';
import { MailboxRepository } from '../mailboxes/mailbox.repository';
import { InvalidOAuthStateError, OAuthStateSigner } from './oauth-state';
import type { AuthorizeUrlDto, OAuthCallbackQuery, OAuthConnectedDto } from './oauth.schemas';

/**
 * A 400 whose message reaches the client. Not a BadRequestException: the API filter hides those
 * messages (Nest's own 400s quote raw input); these messages are built here and hold no secret.
 */
function badRequest(message: string): HttpException {
  return new HttpException({ statusCode: HttpStatus.BAD_REQUEST, message }, HttpStatus.BAD_REQUEST);
}

/**
 * The connect flow that replaces the manual browser + Postman steps (SPEC §2): an authorize URL per
 * mailbox, then the redirect with the code, which is redeemed and stored as the mailbox's grant.
 */
@Injectable()
export class OAuthConnectService {
  private readonly logger = new Logger(OAuthConnectService.name);

  constructor(
    private readonly mailboxes: MailboxRepository,
    private readonly tokens: MicrosoftOAuthTokenService,
    private readonly states: OAuthStateSigner,
  ) {}

  async authorizeUrl(mailboxId: number): Promise<AuthorizeUrlDto> {
    const mailbox = await this.mailboxes.findById(mailboxId);
    if (mailbox === null) throw notFound('Mailbox', mailboxId);
    if (mailbox.kind !== MailboxKind.ImapOAuth && mailbox.kind !== MailboxKind.Pop3OAuth) {
      throw badRequest(`Mailbox ${mailboxId} is of type "${mailbox.kind}", not an OAuth type`);
    }
    const state = this.states.sign(mailboxId);
    try {
      const url = await this.tokens.authorizeUrl(mailboxId, state);
      return { url, expiresAt: new Date(this.states.verify(state).expiresAt * 1000).toISOString() };
    } catch (error) {
      throw this.toHttpError(error);
    }
  }

  async callback(query: OAuthCallbackQuery): Promise<OAuthConnectedDto> {
    if (!query.state) throw badRequest('The redirect has no state parameter');
    let mailboxId: number;
    try {
      mailboxId = this.states.verify(query.state).mailboxId;
    } catch (error) {
      if (error instanceof InvalidOAuthStateError) throw badRequest(error.message);
      throw error;
    }
    if (query.error !== undefined) {
      // The user declined, or the provider refused the request: its own words, first line only.
      const description = (query.error_description ?? '').split(/\r?\n/)[0];
      throw badRequest(`Microsoft did not authorize mailbox ${mailboxId} (${query.error}): ${description}`);
    }
    if (!query.code) throw badRequest('The redirect has no code parameter');
    try {
      const connection = await this.tokens.connectWithCode(mailboxId, query.code);
      this.logger.log({ mailboxId, account: connection.account }, 'mailbox connected to Microsoft');
      return {
        mailboxId,
        connected: true,
        account: connection.account,
        refreshTokenExpiresAt: connection.refreshTokenExpiresAt?.toISOString() ?? null,
        message: `Mailbox ${mailboxId} is connected${connection.account ? ` as ${connection.account}` : ''}.`,
      };
    } catch (error) {
      throw this.toHttpError(error, [query.code]);
    }
  }

  private toHttpError(error: unknown, secrets: string[] = []): Error {
    if (error instanceof OAuthConfigurationError) return badRequest(error.message);
    if (error instanceof OAuthProviderError) {
      const message = redactSecrets(error.message, secrets);
      // A refused code (expired, used twice) is the caller's to fix; anything else is the provider's side.
      if (error.errorCode === 'invalid_grant') return badRequest(message);
      return new BadGatewayException({ statusCode: 502, message });
    }
    return error as Error;
  }
}
