import { request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';

import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/** Longest identity-provider answer we read; a token response is a few kilobytes. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * msal's HTTP client: https only, certificate checks on, every request bounded by `timeoutMs` (a
 * refresh runs while the mailbox's token lock is held), and one optional extra CA for a self-hosted or
 * test identity provider. msal's own client has no timeout on POST and no per-host CA.
 */
export class OAuthNetworkClient implements INetworkModule {
  private readonly ca: string[] | undefined;

  constructor(
    private readonly timeoutMs: number,
    trustedCaPem?: string | null,
  ) {
    this.ca = trustedCaPem ? [...rootCertificates, trustedCaPem] : undefined;
  }

  sendGetRequestAsync<T>(
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, Math.min(timeout ?? this.timeoutMs, this.timeoutMs));
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options, this.timeoutMs);
  }

  private send<T>(
    method: 'GET' | 'POST',
    url: string,
    options: NetworkRequestOptions | undefined,
    timeoutMs: number,
  ): Promise<NetworkResponse<T>> {
    const target = new URL(url);
    if (target.protocol !== 'https:') return Promise.reject(new Error('identity provider URL must be https'));
    const body = method === 'POST' ? Buffer.from(options?.body ?? '', 'utf8') : undefined;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...options?.headers };
      if (body !== undefined) headers['content-length'] = body.length;
      const outgoing = httpsRequest(
        target,
        { method, headers, ca: this.ca, rejectUnauthorized: true, timeout: timeoutMs },
        (incoming) => {
          const chunks: Buffer[] = [];
          let size = 0;
          incoming.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES)
              outgoing.destroy(new Error('identity provider response too large'));
            else chunks.push(chunk);
          });
          incoming.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const responseHeaders: Record<string, string> = {};
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (value !== undefined)
                responseHeaders[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
            }
            let parsed: unknown;
            try {
              parsed = text.length > 0 ? JSON.parse(text) : {};
            } catch {
              // Never echo the body: a token response that failed to parse would carry the tokens.
              reject(
                new Error(
                  `identity provider answered HTTP ${incoming.statusCode} with a body that is not JSON`,
                ),
              );
              return;
            }
            resolve({ status: incoming.statusCode ?? 0, headers: responseHeaders, body: parsed as T });
          });
          incoming.on('error', reject);
        },
      );
      // A deadline for the whole exchange, not only socket silence.
      const deadline = setTimeout(
        () => outgoing.destroy(new Error(`identity provider did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      outgoing.on('timeout', () =>
        outgoing.destroy(new Error(`identity provider did not answer within ${timeoutMs} ms`)),
      );
      outgoing.on('error', (error) => {
        clearTimeout(deadline);
        reject(new Error(`identity provider ${target.host} unreachable: ${error.message}`));
      });
      outgoing.on('close', () => clearTimeout(deadline));
      outgoing.end(body);
    });
  }
}
