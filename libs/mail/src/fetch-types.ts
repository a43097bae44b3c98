/**
 * The contract between a mailbox connector (IMAP now, POP3 next) and whoever stores what it reads.
 * The connector never writes to the database itself: it hands each message to `capture`, waits until
 * the capture is committed, and only then deletes the message from the server ("capture before delete").
 */

/** How the connection is protected. Certificate checks are always on. */
export type MailSecurity = 'tls' | 'starttls' | 'none';

/** One message read from the server, ready to be stored. */
export interface FetchedMessage {
  /** Stable id of the message on the server. IMAP: `${uidValidity}:${uid}`. */
  remoteId: string;
  /** The bytes as the server sent them (at most `maxMessageBytes` when truncated). */
  raw: Buffer;
  /** Size on the server; larger than `raw.length` when `truncated`. */
  size: number;
  /** True when the message was larger than `maxMessageBytes` and only its first bytes were read. */
  truncated: boolean;
}

/** What `capture` reports back once the message is committed. */
export interface CaptureReceipt {
  /**
   * True when this remoteId had been captured by an earlier run (a crash between capture and delete):
   * nothing new was stored, but the message is deleted from the server like a new one.
   */
  alreadyCaptured: boolean;
}

/** Stores one message durably; resolves only once the capture is committed. Throwing aborts the fetch. */
export type CaptureCallback<R extends CaptureReceipt = CaptureReceipt> = (
  message: FetchedMessage,
) => Promise<R>;

/** A message left on the server on purpose (e.g. it came back empty), to be shown to staff. */
export interface FetchProblem {
  remoteId: string;
  reason: string;
}

export interface FetchAndCaptureOptions<R extends CaptureReceipt = CaptureReceipt> {
  /** Messages per batch: fetched, captured, then deleted with one command. */
  batchSize: number;
  /** Larger messages are read only up to this many bytes and captured with `truncated: true`. */
  maxMessageBytes: number;
  capture: CaptureCallback<R>;
  /**
   * Runs after a batch was deleted from the server, with the receipts of that batch (in capture order).
   * The fetcher enqueues processing here, so that a message is processed only once it left the mailbox.
   */
  afterBatchDeleted?: (receipts: R[]) => Promise<void>;
  /** Checked between batches: stops after the batch in hand (graceful shutdown). */
  signal?: AbortSignal;
}

export interface FetchResult {
  /** Messages on the server when the fetch started. */
  seen: number;
  /** Newly captured (rows written by this run). */
  captured: number;
  /** Captured by an earlier run and still on the server (deleted now). */
  alreadyCaptured: number;
  /** Deleted from the server by this run. */
  deleted: number;
  /** Of the captured ones, how many were cut at `maxMessageBytes`. */
  truncated: number;
  /** Messages left on the server, with the reason. */
  problems: FetchProblem[];
  /** True when `signal` stopped the run before every batch was done. */
  stoppedEarly: boolean;
}
