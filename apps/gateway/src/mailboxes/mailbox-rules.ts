import type { MailboxKind, MailboxSecurity } from '@twe/persistence';

import type { FieldErrors } from '../common/api-errors';
import { isOAuthType, OAUTH_FIELDS, type UpdateMailboxInput } from './mailbox.schemas';

/** What the rules need to know about a stored mailbox (null when creating one). */
export interface StoredMailbox {
  type: MailboxKind;
  port: number;
  security: MailboxSecurity;
  oauthProvider: string | null;
  tenantId: string | null;
  clientId: string | null;
}

export interface MailboxPlan {
  /** Set when the input decides the security (directly or through `useSsl`). */
  security?: MailboxSecurity;
  /** The type moved to OAuth: the password has no use any more. */
  clearPassword: boolean;
  /** The type moved to plain: OAuth settings and tokens have no use any more. */
  clearOAuth: boolean;
}

/** Ports where "use SSL" means STARTTLS: the plain IMAP and POP3 ports. Any other port gets implicit TLS. */
const STARTTLS_PORTS = new Set([143, 110]);

/**
 * Rules across fields, checked on the mailbox as it would be after the change (so an edit is judged
 * with the stored values it keeps). Secrets may be cleared with `null` on an edit; they are required
 * only when a mailbox is created or moves between plain and OAuth sign-in.
 */
export function planMailboxChange(
  current: StoredMailbox | null,
  input: UpdateMailboxInput,
  errors: FieldErrors,
): MailboxPlan {
  const type = input.type ?? current?.type;
  const port = input.port ?? current?.port;
  const plan: MailboxPlan = { clearPassword: false, clearOAuth: false };

  if (input.security !== undefined) {
    plan.security = input.security;
    if (input.useSsl !== undefined && input.useSsl !== (input.security !== 'none')) {
      errors.add('useSsl', `Contradicts security "${input.security}"; give one of the two`);
    }
  } else if (input.useSsl !== undefined) {
    plan.security = !input.useSsl
      ? 'none'
      : port !== undefined && STARTTLS_PORTS.has(port)
        ? 'starttls'
        : 'tls';
  } else if (current === null) {
    errors.add('security', 'Required: "tls", "starttls" or "none" (or useSsl: true / false)');
  }

  if (type === undefined) return plan; // create without a type: the schema already reported it
  const oauth = isOAuthType(type);
  const familyChanged = current === null || isOAuthType(current.type) !== oauth;

  if (!oauth) {
    for (const field of OAUTH_FIELDS) {
      if (input[field] !== undefined && input[field] !== null) {
        errors.add(field, 'Only for OAuth mailboxes (type "IMAP - OAuth" or "POP3 - OAuth")');
      }
    }
    if (familyChanged && (input.password === undefined || input.password === null)) {
      errors.add('password', `Required for ${type} mailboxes`);
    }
    plan.clearOAuth = current !== null && familyChanged;
    return plan;
  }

  if (input.password !== undefined && input.password !== null) {
    errors.add(
      'password',
      'Not used by OAuth mailboxes: they sign in with the OAuth client and refresh token',
    );
  }
  const keep = <T>(given: T | null | undefined, stored: T | null | undefined): T | null =>
    given !== undefined ? given : familyChanged ? null : (stored ?? null);
  const provider = keep(input.oauthProvider, current?.oauthProvider);
  if (provider === null) errors.add('oauthProvider', 'Required for OAuth mailboxes');
  if (keep(input.clientId, current?.clientId) === null)
    errors.add('clientId', 'Required for OAuth mailboxes');
  if (provider === 'microsoft' && keep(input.tenantId, current?.tenantId) === null) {
    errors.add('tenantId', 'Required for Microsoft OAuth (the directory id, or "organizations" / "common")');
  }
  if (familyChanged && (input.clientSecret === undefined || input.clientSecret === null)) {
    errors.add('clientSecret', 'Required for OAuth mailboxes');
  }
  plan.clearPassword = current !== null && familyChanged;
  return plan;
}
