import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerError } from 'smtp-server';
import { freePort } from './free-port';

export interface ReceivedMail {
  /** MAIL FROM address; '' for the null sender `<>`. */
  envelopeFrom: string;
  envelopeTo: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

export interface SmtpSinkOptions {
  /** Return a reply to refuse RCPT TO for this address (e.g. `{ code: 550, message: 'No such user' }`). */
  rejectRecipient?: (address: string) => { code: number; message: string } | null;
}

export interface SmtpSink {
  host: '127.0.0.1';
  port: number;
  /** Accepted messages in the order their DATA completed. */
  messages: ReceivedMail[];
  /** Resolves with `messages` once it holds at least n; rejects after timeoutMs. */
  waitForCount(n: number, timeoutMs: number): Promise<ReceivedMail[]>;
  clear(): void;
  stop(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 60 * 1024 * 1024;

function smtpError(code: number, message: string): SMTPServerError {
  const error: SMTPServerError = new Error(message);
  error.responseCode = code;
  return error;
}

/** An SMTP server on a free loopback port that keeps every message it accepts, parsed. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const onMessage = new Set<() => void>();

  const server = new SMTPServer({
    authOptional: true,
    // Senders configured with credentials must still get through: accept any AUTH, without TLS.
    allowInsecureAuth: true,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? 'anonymous' }),
    disabledCommands: ['STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    closeTimeout: 500,
    onRcptTo(address, _session, callback) {
      const rejection = options.rejectRecipient?.(address.address) ?? null;
      callback(rejection ? smtpError(rejection.code, rejection.message) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        if (stream.sizeExceeded) return callback(smtpError(552, 'Message exceeds the size limit'));
        const raw = Buffer.concat(chunks);
        // Parse before answering 250, so a sender that awaited its send finds the message here.
        simpleParser(raw).then(
          (parsed) => {
            const mailFrom = session.envelope.mailFrom;
            messages.push({
              envelopeFrom: mailFrom ? mailFrom.address : '',
              envelopeTo: session.envelope.rcptTo.map((recipient) => recipient.address),
              raw,
              parsed,
            });
            for (const notify of onMessage) notify();
            callback();
          },
          (error: unknown) => callback(smtpError(451, `sink could not parse the message: ${String(error)}`)),
        );
      });
    },
  });
  server.on('error', () => undefined); // per-connection errors (client resets) are not test failures

  const port = await listen(server);

  return {
    host: '127.0.0.1',
    port,
    messages,
    waitForCount: (n, timeoutMs) => waitForCount(messages, onMessage, n, timeoutMs),
    clear: () => {
      messages.length = 0;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function listen(server: SMTPServer): Promise<number> {
  // A free port can be taken by someone else before we bind it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      await new Promise<void>((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.server.off('error', reject);
          resolve();
        });
      });
      return port;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw error;
    }
  }
}

function waitForCount(
  messages: ReceivedMail[],
  onMessage: Set<() => void>,
  n: number,
  timeoutMs: number,
): Promise<ReceivedMail[]> {
  if (messages.length >= n) return Promise.resolve(messages);
  return new Promise((resolve, reject) => {
    const check = () => {
      if (messages.length < n) return;
      finish();
      resolve(messages);
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`SMTP sink: expected ${n} message(s) within ${timeoutMs} ms, got ${messages.length}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      onMessage.delete(check);
    };
    onMessage.add(check);
  });
}
