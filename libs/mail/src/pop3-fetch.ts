import type { CaptureReceipt, FetchAndCaptureOptions, FetchResult } from './fetch-types';
import { Pop3Session, type Pop3ListedMessage } from './pop3-connection';
import { Pop3ConnectorError } from './pop3-error';

/** Marks an error thrown by the caller's callbacks, so that it is rethrown as it is (not as a POP3 error). */
class CallbackFailure {
  constructor(readonly error: unknown) {}
}

/** `pop3:<uidl>`: UIDL is the only id of a POP3 message that survives the session. */
export function pop3RemoteId(uidl: string): string {
  return `pop3:${uidl}`;
}

/**
 * The Email Processing Task's POP3 step: takes every message out of the maildrop without losing one.
 * Mirrors `imap-fetch.ts`, with POP3's one big difference: DELE only marks, and the server removes the
 * marked messages when it gets QUIT. So each batch is one session:
 *
 * 1. UIDL + LIST (the first session's listing fixes which messages this run handles).
 * 2. Per batch of `batchSize`: RETR each message (at most `maxMessageBytes` are kept; the rest is read
 *    and dropped, and the message is captured with `truncated: true` and its real size), hand it to
 *    `capture`, which resolves once it is committed.
 * 3. After the whole batch is committed: DELE each captured message, then QUIT. Only the server's
 *    `+OK` to QUIT means they are gone; then `afterBatchDeleted`, then a new session for the next batch.
 *
 * A connection lost anywhere before QUIT leaves every message of the batch on the server; the next run
 * sees the same UIDLs, `capture` reports them `alreadyCaptured`, and they are deleted then, once.
 * A message whose body comes back empty is neither captured nor deleted: it is reported in `problems`.
 * When `capture` throws, the fetch stops and the batch stays on the server (no QUIT is sent).
 *
 * `reopen` opens the session of the next batch (by default with the same settings).
 */
export async function fetchAndCapturePop3<R extends CaptureReceipt>(
  session: Pop3Session,
  options: FetchAndCaptureOptions<R>,
  reopen: () => Promise<Pop3Session> = () => Pop3Session.open(session.settings),
): Promise<FetchResult> {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
    throw new RangeError('batchSize must be >= 1');
  if (!Number.isInteger(options.maxMessageBytes) || options.maxMessageBytes < 1) {
    throw new RangeError('maxMessageBytes must be >= 1');
  }
  const result: FetchResult = {
    seen: 0,
    captured: 0,
    alreadyCaptured: 0,
    deleted: 0,
    truncated: 0,
    problems: [],
    stoppedEarly: false,
  };

  let current = session;
  try {
    let listing = await current.listMessages();
    result.seen = listing.length;
    // Messages that arrive during the run wait for the next one: a steady stream cannot make it endless.
    const toHandle = new Set(listing.map((message) => message.uidl));

    while (toHandle.size > 0) {
      if (options.signal?.aborted) {
        result.stoppedEarly = true;
        break;
      }
      if (!current.usable) {
        current = await reopen();
        listing = await current.listMessages();
      }
      const batch = listing.filter((message) => toHandle.has(message.uidl)).slice(0, options.batchSize);
      // The rest was removed by someone else meanwhile: nothing left to do.
      if (batch.length === 0) break;
      for (const message of batch) toHandle.delete(message.uidl);

      const receipts = await captureBatch(current, batch, options, result);
      try {
        for (const { number } of receipts) await current.markDeleted(number);
        await current.quit();
      } catch (error) {
        throw withCapturedNote(error, receipts.length);
      }
      result.deleted += receipts.length;
      if (options.afterBatchDeleted && receipts.length > 0) {
        await options.afterBatchDeleted(receipts.map(({ receipt }) => receipt));
      }
    }
    return result;
  } catch (error) {
    if (error instanceof CallbackFailure) throw error.error;
    throw error;
  } finally {
    // Sessions opened here for later batches are closed here (without QUIT when deletions are pending);
    // the first one is the caller's.
    if (current !== session) await current.close();
  }
}

/** RETR + capture of one batch; returns the captured ones (message number and receipt) in order. */
async function captureBatch<R extends CaptureReceipt>(
  session: Pop3Session,
  batch: Pop3ListedMessage[],
  options: FetchAndCaptureOptions<R>,
  result: FetchResult,
): Promise<Array<{ number: number; receipt: R }>> {
  const captured: Array<{ number: number; receipt: R }> = [];
  for (const message of batch) {
    const remoteId = pop3RemoteId(message.uidl);
    let body;
    try {
      body = await session.retrieve(message.number, options.maxMessageBytes);
    } catch (error) {
      throw withCapturedNote(error, captured.length);
    }
    if (isEmptyBody(body.data, body.size)) {
      result.problems.push({
        remoteId,
        reason:
          `the server returned an empty body (LIST size ${message.size}, ${body.size} bytes read); ` +
          'left in the mailbox',
      });
      continue;
    }
    const truncated = body.size > options.maxMessageBytes;
    let receipt: R;
    try {
      receipt = await options.capture({ remoteId, raw: body.data, size: body.size, truncated });
    } catch (error) {
      throw new CallbackFailure(error);
    }
    captured.push({ number: message.number, receipt });
    if (receipt.alreadyCaptured) result.alreadyCaptured++;
    else {
      result.captured++;
      if (truncated) result.truncated++;
    }
  }
  return captured;
}

/**
 * Tells staff what a failure in the middle of a batch means: the messages captured so far are safe in
 * the database and still on the server (no QUIT, so no deletion); the next run deletes them.
 */
function withCapturedNote(error: unknown, captured: number): unknown {
  if (error instanceof CallbackFailure) return error;
  if (!(error instanceof Pop3ConnectorError) || captured === 0) return error;
  return new Pop3ConnectorError(
    `${error.message} (before QUIT: the ${captured} message(s) captured in this batch are stored and ` +
      'stay on the server until the next run deletes them)',
    error.kind,
    error.serverResponse,
    error.code,
  );
}

/**
 * No bytes, or nothing but line breaks: Dovecot answers RETR of a 0-byte file with "+OK 0 octets",
 * then one CRLF (it ends every message with a line break) and the end marker. Nothing of that is mail.
 */
function isEmptyBody(data: Buffer, size: number): boolean {
  if (size > 4) return false;
  return data.every((byte) => byte === 0x0d || byte === 0x0a);
}
