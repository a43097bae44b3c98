import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const HOST = '127.0.0.1';

export interface FakeIdentityProviderOptions {
  /** Registered applications: client id -> client secret (the token endpoint checks both). */
  clients?: Record<string, string>;
  /** Lifetime of issued access tokens, seconds (Microsoft: about an hour). */
  accessTokenTtlSeconds?: number;
}

/** How often each endpoint was called, for assertions like "one refresh, not two". */
export interface IdentityProviderCounters {
  authorize: number;
  codeRedeemed: number;
  refreshed: number;
  /** Token requests answered with an error (invalid_grant, invalid_client...). */
  rejected: number;
  introspected: number;
  discovery: number;
  /** Every call to the token endpoint, whatever the answer. */
  tokenRequests: number;
}

export interface FakeIdentityProvider {
  /** `https://127.0.0.1:<port>`: the authority host (msal wants https). */
  authorityHost: string;
  /** The CA (self-signed certificate) the authority host presents. */
  caCertPem: string;
  /** RFC 7662 endpoint over plain http, for Dovecot's oauth2 passdb. */
  introspectionUrl: string;
  counters: IdentityProviderCounters;
  /** Who "signs in" at the authorize endpoint when the request has no login_hint. */
  signInAs(username: string): void;
  /** Revokes every refresh token of `username` (password reset / admin revocation). */
  revokeUser(username: string): void;
  setAccessTokenTtl(seconds: number): void;
  registerClient(clientId: string, clientSecret: string): void;
  /** The only refresh token of `username` that still works, or null. */
  currentRefreshToken(username: string): string | null;
  /** Every token (access and refresh) ever issued, for leak checks. */
  issuedTokens(): string[];
  /**
   * What staff's browser does: opens an authorize URL (https, trusting this provider's CA) and returns
   * the redirect target (`redirect_uri?code=...&state=...`) without following it.
   */
  followAuthorizeUrl(url: string): Promise<URL>;
  /** Issues tokens directly (as if obtained elsewhere, e.g. by hand), for set-ups that skip the connect flow. */
  issueDirectly(username: string, clientId: string): { accessToken: string; refreshToken: string };
  stop(): Promise<void>;
}

interface RefreshGrant {
  username: string;
  clientId: string;
  scope: string;
  state: 'live' | 'rotated' | 'revoked';
}

const DEFAULT_SCOPE =
  'https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/POP.AccessAsUser.All';

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** Stable per-user object id, so msal sees the same account on every response. */
function objectIdOf(username: string): string {
  const hex = Buffer.from(username).toString('hex').padEnd(32, '0').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

async function makeCertificate(): Promise<{ cert: string; key: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'twe-idp-'));
  try {
    // prettier-ignore
    await execFileAsync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ]);
    return {
      cert: await readFile(join(dir, 'cert.pem'), 'utf8'),
      key: await readFile(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(data),
    'cache-control': 'no-store',
  });
  response.end(data);
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * A local identity provider shaped like Microsoft's v2.0 endpoints, started per test on free ports:
 * authorize (redirects with `code` and `state`), token (authorization_code and refresh_token grants;
 * every refresh rotates the refresh token and the spent one then gets `invalid_grant`), OpenID
 * discovery, and RFC 7662 introspection for Dovecot. Tokens are random strings, not JWTs (Dovecot
 * introspects them); the id_token is an unsigned JWT, which msal decodes without verifying.
 */
export async function startFakeIdentityProvider(
  options: FakeIdentityProviderOptions = {},
): Promise<FakeIdentityProvider> {
  const clients = new Map(Object.entries(options.clients ?? {}));
  let accessTtl = options.accessTokenTtlSeconds ?? 3600;
  let defaultUser: string | null = null;
  const codes = new Map<string, { username: string; clientId: string; redirectUri: string; scope: string }>();
  const accessTokens = new Map<string, { username: string; clientId: string; scope: string; exp: number }>();
  const refreshTokens = new Map<string, RefreshGrant>();
  const issued: string[] = [];
  const counters: IdentityProviderCounters = {
    authorize: 0,
    codeRedeemed: 0,
    refreshed: 0,
    rejected: 0,
    introspected: 0,
    discovery: 0,
    tokenRequests: 0,
  };
  const { cert, key } = await makeCertificate();
  let authorityHost = '';

  const newToken = (prefix: string) => `${prefix}.${randomBytes(24).toString('base64url')}`;

  function idToken(username: string, clientId: string, tenant: string): string {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      aud: clientId,
      iss: `${authorityHost}/${tenant}/v2.0`,
      iat: now,
      nbf: now,
      exp: now + 3600,
      name: username,
      oid: objectIdOf(username),
      preferred_username: username,
      sub: base64url(username),
      tid: tenant,
      ver: '2.0',
    };
    return `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}.`;
  }

  function issue(username: string, clientId: string, scope: string, tenant: string) {
    const accessToken = newToken('at');
    const refreshToken = newToken('rt');
    accessTokens.set(accessToken, {
      username,
      clientId,
      scope,
      exp: Math.floor(Date.now() / 1000) + accessTtl,
    });
    refreshTokens.set(refreshToken, { username, clientId, scope, state: 'live' });
    issued.push(accessToken, refreshToken);
    return {
      token_type: 'Bearer',
      scope,
      expires_in: accessTtl,
      ext_expires_in: accessTtl,
      access_token: accessToken,
      refresh_token: refreshToken,
      id_token: idToken(username, clientId, tenant),
      client_info: base64url(JSON.stringify({ uid: objectIdOf(username), utid: tenant })),
    };
  }

  function oauthError(
    response: ServerResponse,
    status: number,
    error: string,
    code: number,
    text: string,
  ): void {
    counters.rejected++;
    send(response, status, {
      error,
      error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${randomUUID()}\r\nCorrelation ID: ${randomUUID()}\r\nTimestamp: ${new Date().toISOString()}`,
      error_codes: [code],
      timestamp: new Date().toISOString(),
      trace_id: randomUUID(),
      correlation_id: randomUUID(),
    });
  }

  /** Only the resource scopes are echoed back, as Microsoft does (openid/profile/offline_access are not). */
  function grantedScope(requested: string | null): string {
    const resources = (requested ?? '')
      .split(/\s+/)
      .filter((scope) => scope.startsWith('https://'))
      .join(' ');
    return resources || DEFAULT_SCOPE;
  }

  function handleToken(tenant: string, form: URLSearchParams, response: ServerResponse): void {
    counters.tokenRequests++;
    const clientId = form.get('client_id') ?? '';
    const expectedSecret = clients.get(clientId);
    if (expectedSecret === undefined)
      return oauthError(
        response,
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory.`,
      );
    if (form.get('client_secret') !== expectedSecret)
      return oauthError(response, 401, 'invalid_client', 7000215, 'Invalid client secret provided.');
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '');
      if (code === undefined)
        return oauthError(
          response,
          400,
          'invalid_grant',
          70008,
          'The provided authorization code or refresh token has expired or was already used.',
        );
      codes.delete(form.get('code') ?? '');
      if (code.clientId !== clientId || code.redirectUri !== form.get('redirect_uri'))
        return oauthError(
          response,
          400,
          'invalid_grant',
          50148,
          'The redirect_uri or client does not match the authorization request.',
        );
      counters.codeRedeemed++;
      return send(response, 200, issue(code.username, clientId, code.scope, tenant));
    }
    if (grantType === 'refresh_token') {
      const grant = refreshTokens.get(form.get('refresh_token') ?? '');
      if (grant === undefined || grant.clientId !== clientId)
        return oauthError(
          response,
          400,
          'invalid_grant',
          9002313,
          'Invalid request. Request is malformed or invalid.',
        );
      if (grant.state === 'revoked')
        return oauthError(
          response,
          400,
          'invalid_grant',
          50173,
          'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
        );
      if (grant.state === 'rotated')
        return oauthError(
          response,
          400,
          'invalid_grant',
          70000,
          'The provided value for the refresh token was already redeemed.',
        );
      grant.state = 'rotated';
      counters.refreshed++;
      return send(
        response,
        200,
        issue(grant.username, clientId, grantedScope(form.get('scope')) || grant.scope, tenant),
      );
    }
    return oauthError(
      response,
      400,
      'unsupported_grant_type',
      70003,
      `The grant type '${grantType}' is not supported.`,
    );
  }

  function handleAuthorize(tenant: string, url: URL, response: ServerResponse): void {
    counters.authorize++;
    const redirectUri = url.searchParams.get('redirect_uri');
    const clientId = url.searchParams.get('client_id') ?? '';
    if (!redirectUri || !clients.has(clientId)) {
      return send(response, 400, {
        error: 'invalid_request',
        error_description: 'unknown client or no redirect_uri',
      });
    }
    const username = url.searchParams.get('login_hint') ?? defaultUser;
    const target = new URL(redirectUri);
    if (username === null) {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set(
        'error_description',
        'AADSTS50020: no user signed in at the fake identity provider',
      );
    } else {
      const code = newToken('code');
      codes.set(code, {
        username,
        clientId,
        redirectUri,
        scope: grantedScope(url.searchParams.get('scope')),
      });
      target.searchParams.set('code', code);
    }
    const state = url.searchParams.get('state');
    if (state !== null) target.searchParams.set('state', state);
    void tenant;
    response.writeHead(302, { location: target.toString() });
    response.end();
  }

  function openIdConfiguration(tenant: string) {
    return {
      issuer: `${authorityHost}/${tenant}/v2.0`,
      authorization_endpoint: `${authorityHost}/${tenant}/oauth2/v2.0/authorize`,
      token_endpoint: `${authorityHost}/${tenant}/oauth2/v2.0/token`,
      end_session_endpoint: `${authorityHost}/${tenant}/oauth2/v2.0/logout`,
      jwks_uri: `${authorityHost}/${tenant}/discovery/v2.0/keys`,
      response_types_supported: ['code'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    };
  }

  async function handleIntrospect(
    request: IncomingMessage,
    url: URL,
    response: ServerResponse,
  ): Promise<void> {
    counters.introspected++;
    let token = url.searchParams.get('token');
    if (request.method === 'POST') token = (await readForm(request)).get('token') ?? token;
    const access = token === null ? undefined : accessTokens.get(token);
    if (access === undefined || access.exp < Date.now() / 1000) return send(response, 200, { active: false });
    send(response, 200, {
      active: true,
      username: access.username,
      scope: access.scope,
      client_id: access.clientId,
      token_type: 'Bearer',
      exp: access.exp,
    });
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'https://idp.invalid');
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (request.method === 'POST' && token) return handleToken(token[1], await readForm(request), response);
    const authorize = /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/.exec(url.pathname);
    if (request.method === 'GET' && authorize) return handleAuthorize(authorize[1], url, response);
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (request.method === 'GET' && discovery) {
      counters.discovery++;
      return send(response, 200, openIdConfiguration(discovery[1]));
    }
    if (url.pathname === '/introspect') return handleIntrospect(request, url, response);
    send(response, 404, { error: 'not_found' });
  }

  const handler = (request: IncomingMessage, response: ServerResponse) => {
    route(request, response).catch((error: unknown) =>
      send(response, 500, { error: 'server_error', error_description: String(error) }),
    );
  };
  const https = createHttpsServer({ cert, key }, handler);
  const http = createHttpServer(handler);
  const httpsPort = await listen(https);
  const httpPort = await listen(http);
  authorityHost = `https://${HOST}:${httpsPort}`;

  return {
    authorityHost,
    caCertPem: cert,
    introspectionUrl: `http://${HOST}:${httpPort}/introspect`,
    counters,
    signInAs(username) {
      defaultUser = username;
    },
    revokeUser(username) {
      for (const grant of refreshTokens.values()) if (grant.username === username) grant.state = 'revoked';
    },
    setAccessTokenTtl(seconds) {
      accessTtl = seconds;
    },
    registerClient(clientId, clientSecret) {
      clients.set(clientId, clientSecret);
    },
    currentRefreshToken(username) {
      for (const [value, grant] of refreshTokens)
        if (grant.username === username && grant.state === 'live') return value;
      return null;
    },
    issuedTokens: () => [...issued],
    followAuthorizeUrl(url) {
      return new Promise((resolve, reject) => {
        httpsGet(url, { ca: cert }, (response) => {
          response.resume();
          const location = response.headers.location;
          if (response.statusCode !== 302 || location === undefined) {
            reject(new Error(`authorize answered ${response.statusCode}, not a redirect`));
          } else resolve(new URL(location));
        }).on('error', reject);
      });
    },
    issueDirectly(username, clientId) {
      const body = issue(username, clientId, DEFAULT_SCOPE, 'common');
      return { accessToken: body.access_token, refreshToken: body.refresh_token };
    },
    async stop() {
      await Promise.all([close(https), close(http)]);
    },
  };
}
