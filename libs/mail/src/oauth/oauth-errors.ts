/** The provider refused the stored grant; nothing but staff reconnecting the mailbox can fix it. */
export class OAuthReauthorizationRequiredError extends Error {
  override name = 'OAuthReauthorizationRequiredError';
  constructor(
    readonly mailboxId: number,
    /** The provider's answer (no secrets). */
    readonly reason: string,
  ) {
    super(`Mailbox ${mailboxId} needs re-authorization: ${reason}`);
  }
}

/** The mailbox's OAuth settings are incomplete (no client id, no secret...). */
export class OAuthConfigurationError extends Error {
  override name = 'OAuthConfigurationError';
}

/** The provider could not be reached or answered with an error that retrying may fix. */
export class OAuthProviderError extends Error {
  override name = 'OAuthProviderError';
  constructor(
    message: string,
    /** The provider's error code (`invalid_client`, `temporarily_unavailable`...), or null. */
    readonly errorCode: string | null,
  ) {
    super(message);
  }
}
