import type { FetchMessageObject } from 'imapflow';

import type { CaptureReceipt, FetchAndCaptureOptions, FetchResult } from './fetch-types';
import type { ImapSession } from './imap-connection';

const INBOX = 'INBOX';

interface ListedMessage {
  uid: number;
  /** RFC822.SIZE as the server reported it. */
  size: number;
}

/** Marks an error thrown by the caller's callbacks, so that it is rethrown as it is (not as an IMAP error). */
class CallbackFailure {
  constructor(readonly error: unknown) {}
}

/**
 * The Email Processing Task's IMAP step: takes every message out of INBOX without losing one.
 *
 * 1. SELECT INBOX, note UIDVALIDITY; list every UID with its RFC822.SIZE.
 * 2. Per batch of `batchSize` UIDs: fetch bodies with `BODY.PEEK[]` (never RFC822, which would set
 *    \Seen on a message we may yet fail to store); a message over `maxMessageBytes` is fetched only up
 *    to the limit (`BODY.PEEK[]<0.N>`) and captured with `truncated: true` and its real size.
 * 3. Each message goes to `capture`, which resolves once it is committed.
 * 4. After the whole batch is committed: one `UID STORE +FLAGS (\Deleted)` and one `UID EXPUNGE` of the
 *    batch (plain EXPUNGE without UIDPLUS). Deleting one by one is ~50x slower (docs: STACK.md).
 * 5. `afterBatchDeleted` (the fetcher enqueues processing there).
 *
 * A message whose body comes back empty is neither captured nor deleted: it is reported in `problems`.
 * When `capture` throws, the fetch stops and the batch stays on the server (captured ones are found
 * again next time as `alreadyCaptured`). IMAP failures are thrown as ImapConnectorError.
 */
export async function fetchAndCapture<R extends CaptureReceipt>(
  session: ImapSession,
  options: FetchAndCaptureOptions<R>,
): Promise<FetchResult> {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
    throw new RangeError('batchSize must be >= 1');
  if (!Number.isInteger(options.maxMessageBytes) || options.maxMessageBytes < 1) {
    throw new RangeError('maxMessageBytes must be >= 1');
  }
  const client = session.client;
  const result: FetchResult = {
    seen: 0,
    captured: 0,
    alreadyCaptured: 0,
    deleted: 0,
    truncated: 0,
    problems: [],
    stoppedEarly: false,
  };

  let uidValidity: string;
  let exists: number;
  try {
    const mailbox = await session.within(`SELECT ${INBOX}`, session.limits.commandMs, 'COMMAND_TIMEOUT', () =>
      client.mailboxOpen(INBOX),
    );
    uidValidity = mailbox.uidValidity.toString();
    exists = mailbox.exists;
  } catch (error) {
    throw session.failure(error, `SELECT ${INBOX}`);
  }
  if (exists === 0) return result;

  const listed = await listMessages(session);
  result.seen = listed.length;
  const remoteIdOf = (uid: number) => `${uidValidity}:${uid}`;

  for (let start = 0; start < listed.length; start += options.batchSize) {
    if (options.signal?.aborted) {
      result.stoppedEarly = true;
      break;
    }
    const batch = listed.slice(start, start + options.batchSize);
    const sizeOf = new Map(batch.map((message) => [message.uid, message.size]));
    const capturedUids: number[] = [];
    const receipts: R[] = [];

    const handle = async (message: FetchMessageObject, partial: boolean): Promise<void> => {
      const remoteId = remoteIdOf(message.uid);
      const listedSize = sizeOf.get(message.uid) ?? 0;
      const source = message.source;
      if (!source || source.length === 0) {
        result.problems.push({
          remoteId,
          reason: `the server returned an empty body (RFC822.SIZE ${listedSize}); left in the mailbox`,
        });
        return;
      }
      let raw = source;
      let truncated = false;
      let size = raw.length;
      if (partial && raw.length >= options.maxMessageBytes && listedSize > raw.length) {
        truncated = true;
        size = listedSize;
      } else if (raw.length > options.maxMessageBytes) {
        // The server reported a smaller RFC822.SIZE than it sent: keep the limit all the same.
        raw = raw.subarray(0, options.maxMessageBytes);
        truncated = true;
      }
      let receipt: R;
      try {
        receipt = await options.capture({ remoteId, raw, size, truncated });
      } catch (error) {
        throw new CallbackFailure(error);
      }
      capturedUids.push(message.uid);
      receipts.push(receipt);
      if (receipt.alreadyCaptured) result.alreadyCaptured++;
      else {
        result.captured++;
        if (truncated) result.truncated++;
      }
    };

    try {
      const whole = batch
        .filter((message) => message.size <= options.maxMessageBytes)
        .map((message) => message.uid);
      const large = batch
        .filter((message) => message.size > options.maxMessageBytes)
        .map((message) => message.uid);
      await fetchBodies(session, whole, undefined, (message) => handle(message, false));
      await fetchBodies(session, large, options.maxMessageBytes, (message) => handle(message, true));
    } catch (error) {
      if (error instanceof CallbackFailure) throw error.error;
      throw error;
    }

    if (capturedUids.length === 0) continue;
    await deleteMessages(session, capturedUids);
    result.deleted += capturedUids.length;
    if (options.afterBatchDeleted) await options.afterBatchDeleted(receipts);
  }
  return result;
}

/** `FETCH 1:* (UID RFC822.SIZE)`, in UID order. */
async function listMessages(session: ImapSession): Promise<ListedMessage[]> {
  const listed: ListedMessage[] = [];
  try {
    await session.within('FETCH (UID RFC822.SIZE)', session.limits.commandMs, 'COMMAND_TIMEOUT', async () => {
      for await (const message of session.client.fetch('1:*', { uid: true, size: true })) {
        listed.push({ uid: message.uid, size: message.size ?? 0 });
      }
    });
  } catch (error) {
    throw session.failure(error, 'FETCH (UID RFC822.SIZE)');
  }
  return listed.sort((a, b) => a.uid - b.uid);
}

/**
 * `UID FETCH <uids> (UID BODY.PEEK[])`, or `BODY.PEEK[]<0.limit>` when `limit` is given. Messages are
 * handed over one at a time as they arrive, so memory holds about one message, not a batch.
 */
async function fetchBodies(
  session: ImapSession,
  uids: number[],
  limit: number | undefined,
  handle: (message: FetchMessageObject) => Promise<void>,
): Promise<void> {
  if (uids.length === 0) return;
  const query = { uid: true, source: limit === undefined ? true : { start: 0, maxLength: limit } };
  let messages: AsyncGenerator<FetchMessageObject, unknown>;
  try {
    messages = session.client.fetch(uidSet(uids), query, { uid: true });
  } catch (error) {
    throw session.failure(error, 'FETCH BODY.PEEK[]');
  }
  for (;;) {
    let next: IteratorResult<FetchMessageObject, unknown>;
    try {
      // Per message: a server that trickles one body forever is given up on (the connection closes).
      next = await session.within(
        'FETCH BODY.PEEK[] (one message)',
        session.limits.messageMs,
        'MESSAGE_TIMEOUT',
        () => messages.next(),
      );
    } catch (error) {
      throw session.failure(error, 'FETCH BODY.PEEK[]');
    }
    if (next.done) return;
    try {
      await handle(next.value);
    } catch (error) {
      // Ends the FETCH cleanly (imapflow reads and drops the rest of the answer) before giving up.
      await messages.return(undefined).catch(() => undefined);
      throw error;
    }
  }
}

/** One `UID STORE +FLAGS (\Deleted)` and one `UID EXPUNGE` (or `EXPUNGE` without UIDPLUS) for the batch. */
async function deleteMessages(session: ImapSession, uids: number[]): Promise<void> {
  session.takeLoggedError();
  let deleted: boolean;
  try {
    deleted = await session.within(
      'delete (STORE \\Deleted + EXPUNGE)',
      session.limits.commandMs,
      'COMMAND_TIMEOUT',
      () => session.client.messageDelete(uidSet(uids), { uid: true }),
    );
  } catch (error) {
    throw session.failure(error, 'delete (STORE \\Deleted + EXPUNGE)');
  }
  session.assertSucceeded(deleted, 'delete (STORE \\Deleted + EXPUNGE)');
}

/** A compact IMAP sequence set: `[1, 2, 3, 7, 9, 10]` -> `1:3,7,9:10`. */
export function uidSet(uids: number[]): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let end = i;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end] + 1) end++;
    parts.push(end === i ? `${sorted[i]}` : `${sorted[i]}:${sorted[end]}`);
    i = end + 1;
  }
  return parts.join(',');
}
