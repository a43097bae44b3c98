import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long staff have between opening the authorize URL and coming back with the code. */
export const OAUTH_STATE_TTL_SECONDS = 15 * 60;

export interface OAuthStatePayload {
  mailboxId: number;
  /** Unix seconds. */
  expiresAt: number;
}

export class InvalidOAuthStateError extends Error {
  override name = 'InvalidOAuthStateError';
}

/**
 * The `state` of the authorize request: names the mailbox, expires, and is HMAC-signed (key derived
 * from TWE_SECRET_KEY), so the callback cannot be pointed at another mailbox or replayed much later.
 * Form: `<base64url(JSON)>.<base64url(HMAC-SHA256)>`; no server-side storage needed.
 */
export class OAuthStateSigner {
  constructor(
    private readonly key: Buffer,
    private readonly now: () => number = () => Date.now(),
  ) {}

  sign(mailboxId: number, ttlSeconds = OAUTH_STATE_TTL_SECONDS): string {
    const payload = {
      m: mailboxId,
      e: Math.floor(this.now() / 1000) + ttlSeconds,
      // Makes every state different (and unguessable) even for the same mailbox and second.
      n: randomBytes(12).toString('base64url'),
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  verify(state: string): OAuthStatePayload {
    const [body, mac, extra] = state.split('.');
    if (!body || !mac || extra !== undefined)
      throw new InvalidOAuthStateError('The state parameter is malformed');
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidOAuthStateError('The state parameter was not issued by this gateway');
    }
    let payload: { m?: unknown; e?: unknown };
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { m?: unknown; e?: unknown };
    } catch {
      throw new InvalidOAuthStateError('The state parameter is malformed');
    }
    if (!Number.isInteger(payload.m) || !Number.isInteger(payload.e)) {
      throw new InvalidOAuthStateError('The state parameter is malformed');
    }
    if ((payload.e as number) * 1000 < this.now()) {
      throw new InvalidOAuthStateError('The sign-in took too long (state expired): open a new authorize URL');
    }
    return { mailboxId: payload.m as number, expiresAt: payload.e as number };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
