import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';

import { OAuthNetworkClient } from './oauth-network-client';

/** What the token service needs from the deployment (env), the same for every mailbox. */
export interface MicrosoftIdentitySettings {
  /** e.g. `https://login.microsoftonline.com` (tests: the fake identity provider). */
  authorityHost: string;
  /** Extra CA for the authority host only (self-hosted / test identity provider). */
  authorityCaPem?: string | null;
  httpTimeoutMs: number;
}

/** One mailbox's app registration (the client secret decrypted, in memory only). */
export interface MicrosoftAppRegistration {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/**
 * The scopes SPEC §2 names. msal adds `openid profile offline_access` itself; `offline_access` is listed
 * anyway because it is what makes the provider issue a refresh token.
 */
export const MICROSOFT_MAIL_SCOPES = [
  'offline_access',
  'https://outlook.office.com/IMAP.AccessAsUser.All',
  'https://outlook.office.com/POP.AccessAsUser.All',
];

/** The scopes an access token is requested (and looked up in the cache) for. */
export const MICROSOFT_MAIL_RESOURCE_SCOPES = MICROSOFT_MAIL_SCOPES.filter(
  (scope) => scope !== 'offline_access',
);

function trimHost(host: string): string {
  return host.replace(/\/+$/, '');
}

/**
 * A msal client for one mailbox. The authority's metadata is given, not discovered: Microsoft's v2.0
 * endpoints follow a fixed pattern, and this way msal never goes to the network except for tokens
 * (no instance discovery, no OpenID configuration fetch per mailbox and call).
 */
export function createMicrosoftClient(
  settings: MicrosoftIdentitySettings,
  registration: MicrosoftAppRegistration,
): ConfidentialClientApplication {
  const host = trimHost(settings.authorityHost);
  const hostName = new URL(host).host;
  const tenant = registration.tenantId;
  const authority = `${host}/${tenant}`;
  const authorityMetadata = {
    issuer: `${host}/${tenant}/v2.0`,
    authorization_endpoint: `${host}/${tenant}/oauth2/v2.0/authorize`,
    token_endpoint: `${host}/${tenant}/oauth2/v2.0/token`,
    end_session_endpoint: `${host}/${tenant}/oauth2/v2.0/logout`,
    jwks_uri: `${host}/${tenant}/discovery/v2.0/keys`,
  };
  const cloudDiscoveryMetadata = {
    tenant_discovery_endpoint: `${host}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: hostName, preferred_cache: hostName, aliases: [hostName] }],
  };
  return new ConfidentialClientApplication({
    auth: {
      clientId: registration.clientId,
      clientSecret: registration.clientSecret,
      authority,
      knownAuthorities: [hostName],
      authorityMetadata: JSON.stringify(authorityMetadata),
      cloudDiscoveryMetadata: JSON.stringify(cloudDiscoveryMetadata),
    },
    system: {
      networkClient: new OAuthNetworkClient(settings.httpTimeoutMs, settings.authorityCaPem),
      // One request per refresh: a silent retry of a refresh whose answer was lost would spend a token
      // the provider already rotated. The next fetch tries again instead.
      disableInternalRetries: true,
      // msal's messages can quote requests; nothing of it goes to our logs.
      loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: () => undefined },
    },
  });
}
