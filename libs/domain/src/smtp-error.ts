export interface SmtpErrorClassification {
  /** transient: retry with backoff; permanent: retrying the same email gets the same answer. */
  kind: 'transient' | 'permanent';
  /** The SMTP reply code, when the server answered. */
  code?: number;
  /** What went wrong, safe to store and log: credentials are redacted. */
  message: string;
}

// Nodemailer codes that fail the same way for the same email whatever the server says. Everything
// else without an SMTP reply (ECONNECTION, ETIMEDOUT, ESOCKET, EDNS, ETLS, EENVELOPE before any
// reply, system codes such as ECONNREFUSED, errors we do not know) is worth another try.
const PERMANENT_WITHOUT_REPLY = new Set([
  'EMAXRECIPIENTS', // more recipients than the transport allows
  'EFILEACCESS', // an attachment refers to a local file and file access is disabled
  'EURLACCESS', // an attachment refers to a URL and URL access is disabled
]);

const MAX_MESSAGE_LENGTH = 2000;

/**
 * Classifies an error thrown by nodemailer's SMTP transport (or anything else thrown while sending).
 *
 * With an SMTP reply: 4xx is transient, 5xx permanent (RFC 5321), except 503 "bad sequence of
 * commands", which says the session was in the wrong state, not that the email was refused; a new
 * connection can succeed (nodemailer's own isPermanentResponseCode makes the same exception).
 * Note that an authentication failure (535) is therefore permanent for the email although it is a
 * transport problem: fixing the credentials means re-sending the emails that failed meanwhile.
 */
export function classifySmtpError(err: unknown): SmtpErrorClassification {
  const fields = readErrorFields(err);
  const code = fields.responseCode ?? replyCodeOf(fields.response);
  const message = safeMessage(fields);
  if (code !== undefined) {
    const permanent = code >= 500 && code < 600 && code !== 503;
    return { kind: permanent ? 'permanent' : 'transient', code, message };
  }
  const permanent = fields.code !== undefined && PERMANENT_WITHOUT_REPLY.has(fields.code);
  return { kind: permanent ? 'permanent' : 'transient', message };
}

interface ErrorFields {
  message?: string;
  code?: string;
  originalCode?: string;
  response?: string;
  responseCode?: number;
}

function readErrorFields(err: unknown): ErrorFields {
  if (typeof err === 'string') return { message: err };
  if (typeof err !== 'object' || err === null) return {};
  const record = err as Record<string, unknown>;
  return {
    message: stringField(record.message),
    code: stringField(record.code),
    originalCode: stringField(record.originalCode),
    response: stringField(record.response),
    responseCode: replyCode(record.responseCode),
  };
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function replyCode(value: unknown): number | undefined {
  const code = typeof value === 'string' && /^\d{3}$/.test(value.trim()) ? Number(value) : value;
  return typeof code === 'number' && Number.isInteger(code) && code >= 200 && code < 600 ? code : undefined;
}

function replyCodeOf(response: string | undefined): number | undefined {
  const match = response === undefined ? null : /^\s*(\d{3})(?:[ -]|$)/.exec(response);
  return match === null ? undefined : replyCode(Number(match[1]));
}

function safeMessage(fields: ErrorFields): string {
  let message = fields.message ?? fields.response ?? 'Unknown error while sending email';
  if (fields.response !== undefined && !message.includes(fields.response)) {
    message += `: ${fields.response}`;
  }
  const codes = [fields.code, fields.originalCode].filter(
    (code): code is string => code !== undefined && !message.includes(code),
  );
  if (codes.length > 0) message += ` (${codes.join(', ')})`;
  message = redactCredentials(message).replace(/\s+/g, ' ').trim();
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message;
}

const SASL_MECHANISM = /^(?:PLAIN|LOGIN|CRAM-MD5|XOAUTH2|OAUTHBEARER|NTLM|GSSAPI|SCRAM-SHA-1|SCRAM-SHA-256)$/;

/**
 * An `AUTH PLAIN <base64>` command line holds the user name and password in base64, and
 * `AUTH XOAUTH2 <base64>` a bearer token; servers and proxies echo such lines in errors. Everything
 * after `AUTH ` up to the end of the line goes, except a known mechanism name (useful, not secret).
 */
export function redactCredentials(text: string): string {
  return (
    text
      .replace(/\bAUTH +([^\r\n]*)/g, (_line: string, rest: string) => {
        const [mechanism, ...secret] = rest.trim().split(/ +/);
        if (!SASL_MECHANISM.test(mechanism)) return 'AUTH [redacted]';
        return secret.join('') === '' ? `AUTH ${mechanism}` : `AUTH ${mechanism} [redacted]`;
      })
      .replace(/\bBearer\s+[\w.~+/-]+=*/gi, 'Bearer [redacted]')
      // Greedy up to the last `@` of the authority: a password may hold an unencoded `@`.
      .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/]+@/gi, '$1[redacted]@')
      .replace(
        /\b(password|passwd|pass|pwd|client_secret|refresh_token|access_token)(\s*[=:]\s*)("[^"]*"|[^\s&;,]+)/gi,
        '$1$2[redacted]',
      )
  );
}
