import { rootCertificates, type ConnectionOptions } from 'node:tls';

import type { MailSecurity } from './fetch-types';
import { Pop3ConnectorError, pop3Error, type Pop3ErrorContext } from './pop3-error';
import { MultilineDecoder, StatusLineDecoder, type MultilineBody } from './pop3-response';
import { Pop3Wire } from './pop3-wire';

/** How to log in: USER/PASS, or SASL XOAUTH2 with an access token (Microsoft 365, Gmail). */
export type Pop3Auth =
  | { kind: 'password'; user: string; password: string }
  | { kind: 'oauth2'; user: string; accessToken: string };

export interface Pop3Timeouts {
  /** DNS + TCP + TLS handshake (also the STLS handshake). */
  connectMs: number;
  /** From connected to the server's `+OK` greeting. */
  greetingMs: number;
  /** The whole login (USER/PASS or the AUTH XOAUTH2 exchange). */
  authMs: number;
  /** One command's answer (STAT, UIDL, LIST, DELE, QUIT...); also the longest silence inside a RETR. */
  commandMs: number;
  /** One whole RETR, however steadily the data flows: a server trickling bytes cannot hold a worker. */
  messageMs: number;
}

/** Bounded by default: a dead or stalled server costs at most a few minutes of a worker. */
export const DEFAULT_POP3_TIMEOUTS: Pop3Timeouts = {
  connectMs: 15_000,
  greetingMs: 15_000,
  authMs: 30_000,
  commandMs: 60_000,
  // 25 MB at a slow 200 KB/s is two minutes; five leaves room without letting a trickle run for ever.
  messageMs: 300_000,
};

/** The longest single silence a POP3 fetch can wait out (the job lock must outlive it). */
export function slowestPop3TimeoutMs(timeouts: Pop3Timeouts = DEFAULT_POP3_TIMEOUTS): number {
  return Math.max(timeouts.connectMs + timeouts.greetingMs, timeouts.authMs, timeouts.commandMs);
}

export interface Pop3ConnectionSettings {
  host: string;
  port: number;
  /** `tls` = implicit TLS (995); `starttls` = STLS required (refused if not offered); `none` = plain text. */
  security: MailSecurity;
  auth: Pop3Auth;
  /** PEM of a CA to trust for this mailbox only, in addition to the public roots. Checks stay on. */
  trustedCaPem?: string | null;
  timeouts?: Partial<Pop3Timeouts>;
}

/** One message as listed at the start of a session. */
export interface Pop3ListedMessage {
  /** Message number, valid in this session only. */
  number: number;
  /** Unique id (UIDL), stable across sessions. */
  uidl: string;
  /** Size in octets as the server reports it (LIST). */
  size: number;
}

/** Same rule as IMAP (imap-connection.ts): public roots plus the mailbox's own CA, never a switch. */
function tlsOptions(settings: Pop3ConnectionSettings): ConnectionOptions {
  return {
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    ca: settings.trustedCaPem ? [...rootCertificates, settings.trustedCaPem] : undefined,
  };
}

/** XOAUTH2's initial response (Google's and Microsoft's format). */
export function xoauth2InitialResponse(user: string, accessToken: string): string {
  return Buffer.from(`user=${user}\x01auth=Bearer ${accessToken}\x01\x01`, 'utf8').toString('base64');
}

function secretsOf(auth: Pop3Auth): string[] {
  return auth.kind === 'password'
    ? [auth.password]
    : [auth.accessToken, xoauth2InitialResponse(auth.user, auth.accessToken)];
}

/** A status line: `+OK text`, `-ERR text`, or a SASL continuation `+ <base64>`. */
type Status =
  | { kind: 'ok'; text: string; line: string }
  | { kind: 'continue'; data: string; line: string }
  | { kind: 'err'; line: string };

/**
 * One authenticated POP3 connection (RFC 1939, STLS per RFC 2595, AUTH per RFC 5034). Open with
 * `Pop3Session.open`. Deletions (DELE) take effect only at `quit()`; `close()` drops the connection
 * without QUIT, so the server deletes nothing: that is how a failed fetch keeps every message.
 */
export class Pop3Session {
  private deletionsPending = false;
  private ended = false;

  private constructor(
    private readonly wire: Pop3Wire,
    readonly settings: Pop3ConnectionSettings,
    private readonly timeouts: Pop3Timeouts,
    private readonly context: Pop3ErrorContext,
    /** CAPA as announced before login (after STLS when upgraded). */
    readonly capabilities: ReadonlySet<string>,
  ) {}

  /** Connects, upgrades (STLS) and logs in. Throws a Pop3ConnectorError with a safe message. */
  static async open(settings: Pop3ConnectionSettings): Promise<Pop3Session> {
    const timeouts = { ...DEFAULT_POP3_TIMEOUTS, ...settings.timeouts };
    const context: Pop3ErrorContext = {
      host: settings.host,
      port: settings.port,
      stage: 'connect',
      secrets: secretsOf(settings.auth),
    };
    assertNoLineBreaks(settings.auth, context);
    const tls = tlsOptions(settings);
    const wire = await Pop3Wire.connect(
      { host: settings.host, port: settings.port, tls: settings.security === 'tls' ? tls : null },
      timeouts.connectMs,
      context,
    );
    const bounded = (stage: string, ms: number) => ({ totalMs: ms, idleMs: ms, stage });
    try {
      const greeting = await readStatus(wire, context, bounded('greeting', timeouts.greetingMs));
      if (greeting.kind !== 'ok') {
        throw pop3Error(
          context,
          'connection',
          `the server refused the session: ${greeting.line}`,
          greeting.line,
        );
      }

      let capabilities = await readCapabilities(wire, context, timeouts.commandMs);
      if (settings.security === 'starttls') {
        if (!capabilities.has('STLS')) {
          throw pop3Error(
            context,
            'tls',
            'the mailbox requires STLS (STARTTLS) but the server does not offer it; nothing was sent ' +
              'in clear text. Use implicit TLS (usually port 995) or check the port',
          );
        }
        wire.write('STLS');
        const answer = await readStatus(wire, context, bounded('STLS', timeouts.commandMs));
        if (answer.kind !== 'ok') {
          throw pop3Error(context, 'tls', `the server refused STLS: ${answer.line}`, answer.line);
        }
        await wire.upgradeToTls(settings.host, tls, timeouts.connectMs);
        // RFC 2595 §4: what was announced before TLS cannot be trusted; ask again.
        capabilities = await readCapabilities(wire, context, timeouts.commandMs);
      }

      const session = new Pop3Session(wire, settings, timeouts, context, capabilities);
      await session.authenticate();
      return session;
    } catch (error) {
      // A failed login or handshake never leaves a socket behind.
      wire.destroy();
      throw error;
    }
  }

  /** True when the connection is encrypted (implicit TLS or after STLS). */
  get encrypted(): boolean {
    return this.wire.encrypted;
  }

  /** True while commands can be sent. */
  get usable(): boolean {
    return !this.ended && !this.wire.closed;
  }

  /** STAT: number of messages and their total size. */
  async stat(): Promise<{ messages: number; bytes: number }> {
    const text = await this.command('STAT', 'STAT');
    const match = /^(\d+)\s+(\d+)/.exec(text);
    if (!match) throw this.protocolError('STAT', `unexpected answer "${text}"`);
    return { messages: Number(match[1]), bytes: Number(match[2]) };
  }

  /** UIDL + LIST, by message number. UIDL is required: without it messages cannot be deduplicated. */
  async listMessages(): Promise<Pop3ListedMessage[]> {
    let uidlListing: Buffer;
    try {
      uidlListing = await this.multiline('UIDL');
    } catch (error) {
      if (!(error instanceof Pop3ConnectorError) || error.serverResponse === null) throw error;
      throw this.protocolError(
        'UIDL',
        'refused: without UIDL a message cannot be told from one already stored; not fetching',
        error.serverResponse,
      );
    }
    const uidls = this.parseListing(uidlListing, 'UIDL');
    const sizes = this.parseListing(await this.multiline('LIST'), 'LIST');
    const listed: Pop3ListedMessage[] = [];
    for (const [number, uidl] of uidls) {
      listed.push({ number, uidl, size: Number(sizes.get(number) ?? 0) });
    }
    return listed.sort((a, b) => a.number - b.number);
  }

  /**
   * RETR, keeping at most `limit` bytes (the rest is read and dropped, so the connection stays in step).
   * Bounded by `messageMs` overall and by `commandMs` of silence.
   */
  async retrieve(number: number, limit: number): Promise<MultilineBody> {
    const stage = `RETR ${number}`;
    const limits = { totalMs: this.timeouts.messageMs, idleMs: this.timeouts.commandMs, stage };
    this.wire.write(stage);
    const status = await readStatus(this.wire, this.context, limits);
    if (status.kind !== 'ok') throw this.protocolError(stage, 'refused by the server', status.line);
    const body = new MultilineDecoder(limit);
    await this.wire.read(body, limits);
    return body.result();
  }

  /** DELE: marks the message; the server removes it only at QUIT. */
  async markDeleted(number: number): Promise<void> {
    this.deletionsPending = true;
    await this.command(`DELE ${number}`, `DELE ${number}`);
  }

  /**
   * QUIT: the server enters its UPDATE state and removes the messages marked with DELE. `+OK` means
   * they are gone; anything else (or no answer) means they may all still be there.
   */
  async quit(): Promise<void> {
    if (this.ended) throw this.protocolError('QUIT', 'the session is already closed');
    try {
      await this.command('QUIT', 'QUIT');
      this.deletionsPending = false;
    } finally {
      this.ended = true;
      this.wire.destroy();
    }
  }

  /**
   * Ends the session and never throws. With deletions pending it only drops the connection (no QUIT:
   * the server keeps every message); otherwise it says QUIT, briefly, to be polite.
   */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (!this.deletionsPending && !this.wire.closed && !this.wire.busy) {
      try {
        this.wire.write('QUIT');
        await readStatus(this.wire, this.context, { totalMs: 2_000, idleMs: 2_000, stage: 'QUIT' });
      } catch {
        // closing anyway
      }
    }
    this.wire.destroy();
  }

  private async authenticate(): Promise<void> {
    const auth = this.settings.auth;
    const limits = (stage: string) => ({
      totalMs: this.timeouts.authMs,
      idleMs: this.timeouts.authMs,
      stage,
    });
    if (auth.kind === 'password') {
      this.wire.write(`USER ${auth.user}`);
      const user = await readStatus(this.wire, this.context, limits('USER'));
      if (user.kind === 'err') throw this.authError(user.line);
      this.wire.write(`PASS ${auth.password}`);
      const pass = await readStatus(this.wire, this.context, limits('PASS'));
      if (pass.kind === 'err') throw this.authError(pass.line);
      if (pass.kind !== 'ok') throw this.protocolError('PASS', `unexpected answer "${pass.line}"`);
      return;
    }
    // Two steps (AUTH XOAUTH2, then the string): Microsoft's POP3 does not take an initial response.
    this.wire.write('AUTH XOAUTH2');
    const offer = await readStatus(this.wire, this.context, limits('AUTH XOAUTH2'));
    if (offer.kind === 'err') throw this.authError(offer.line, 'AUTH XOAUTH2 refused');
    if (offer.kind !== 'continue') {
      throw this.protocolError('AUTH XOAUTH2', `expected a "+" continuation, got "${offer.line}"`);
    }
    this.wire.write(xoauth2InitialResponse(auth.user, auth.accessToken));
    const answer = await readStatus(this.wire, this.context, limits('AUTH XOAUTH2'));
    if (answer.kind === 'ok') return;
    if (answer.kind === 'err') throw this.authError(answer.line);
    // `+ <base64 JSON>` is an error challenge, not success (node-pop3 took every "+" for success):
    // SASL wants an empty answer, after which the server sends its -ERR.
    const reason = decodeChallenge(answer.data);
    this.wire.write('');
    const final = await readStatus(this.wire, this.context, limits('AUTH XOAUTH2'));
    if (final.kind === 'ok') return;
    throw this.authError(reason === null ? final.line : `${final.line} (${reason})`);
  }

  private authError(line: string, what = 'login refused'): Error {
    return pop3Error(this.context, 'auth', `${what} for "${this.settings.auth.user}": ${line}`, line);
  }

  private async command(line: string, stage: string): Promise<string> {
    this.wire.write(line);
    const status = await readStatus(this.wire, this.context, {
      totalMs: this.timeouts.commandMs,
      idleMs: this.timeouts.commandMs,
      stage,
    });
    if (status.kind !== 'ok') throw this.protocolError(stage, 'refused by the server', status.line);
    return status.text;
  }

  private async multiline(command: string): Promise<Buffer> {
    await this.command(command, command);
    const body = new MultilineDecoder();
    await this.wire.read(body, {
      totalMs: this.timeouts.messageMs,
      idleMs: this.timeouts.commandMs,
      stage: command,
    });
    return body.result().data;
  }

  /** `n value` lines of UIDL and LIST. */
  private parseListing(body: Buffer, stage: string): Map<number, string> {
    const entries = new Map<number, string>();
    for (const line of body.toString('latin1').split('\r\n')) {
      if (line === '') continue;
      const match = /^(\d+)\s+(\S+)/.exec(line);
      if (!match) throw this.protocolError(stage, `unexpected line "${line.slice(0, 100)}"`);
      entries.set(Number(match[1]), match[2]);
    }
    return entries;
  }

  private protocolError(stage: string, text: string, serverLine: string | null = null): Error {
    return pop3Error(
      { ...this.context, stage },
      'protocol',
      serverLine === null ? `${stage}: ${text}` : `${stage} ${text}: ${serverLine}`,
      serverLine,
    );
  }
}

/** Opens a session, runs `work`, quits on success and drops the connection on failure. */
export async function withPop3Session<T>(
  settings: Pop3ConnectionSettings,
  work: (session: Pop3Session) => Promise<T>,
): Promise<T> {
  const session = await Pop3Session.open(settings);
  try {
    const result = await work(session);
    if (session.usable) await session.quit();
    return result;
  } finally {
    await session.close();
  }
}

/** "Test connection": connects, upgrades, logs in and runs STAT. Throws a Pop3ConnectorError. */
export async function verifyPop3Connection(
  settings: Pop3ConnectionSettings,
): Promise<{ messages: number; bytes: number }> {
  return withPop3Session(settings, (session) => session.stat());
}

async function readStatus(
  wire: Pop3Wire,
  context: Pop3ErrorContext,
  limits: { totalMs: number; idleMs: number; stage: string },
): Promise<Status> {
  const decoder = new StatusLineDecoder();
  await wire.read(decoder, limits);
  const line = decoder.value;
  if (/^\+OK\b/i.test(line)) return { kind: 'ok', text: line.slice(3).trim(), line };
  if (line === '+' || line.startsWith('+ ')) return { kind: 'continue', data: line.slice(1).trim(), line };
  if (/^-ERR\b/i.test(line)) return { kind: 'err', line };
  // Not POP3 at all (an HTTP or IMAP server on the port, say).
  wire.destroy();
  throw pop3Error(context, 'protocol', `${limits.stage}: the answer is not POP3: "${line.slice(0, 200)}"`);
}

/** CAPA (RFC 2449); a server without it simply has no extensions we rely on before login. */
async function readCapabilities(
  wire: Pop3Wire,
  context: Pop3ErrorContext,
  timeoutMs: number,
): Promise<Set<string>> {
  const limits = { totalMs: timeoutMs, idleMs: timeoutMs, stage: 'CAPA' };
  wire.write('CAPA');
  const status = await readStatus(wire, context, limits);
  if (status.kind !== 'ok') return new Set();
  const body = new MultilineDecoder();
  await wire.read(body, limits);
  return new Set(
    body
      .result()
      .data.toString('utf8')
      .split('\r\n')
      .map((line) => line.trim().split(/\s+/)[0].toUpperCase())
      .filter((name) => name !== ''),
  );
}

/** The provider's reason in a `+ <base64>` challenge (JSON for XOAUTH2), when it is readable text. */
function decodeChallenge(encoded: string): string | null {
  if (encoded === '') return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  return /^[\x20-\x7e]+$/.test(decoded) ? decoded : null;
}

/** A line break in a user name or secret would end the command early and inject another one. */
function assertNoLineBreaks(auth: Pop3Auth, context: Pop3ErrorContext): void {
  const secret = auth.kind === 'password' ? auth.password : auth.accessToken;
  if (/[\r\n]/.test(auth.user) || /[\r\n]/.test(secret)) {
    throw pop3Error(context, 'auth', 'the user name or the secret contains a line break; nothing was sent');
  }
}
