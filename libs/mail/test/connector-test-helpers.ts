import { createServer, type Socket } from 'node:net';

import { expect } from 'vitest';

import type { CaptureReceipt, FetchedMessage } from '../src/fetch-types';

/** A capture callback that records every message it is given; `alreadyCaptured` decides each receipt. */
export function collector(alreadyCaptured: (message: FetchedMessage) => boolean = () => false) {
  const captured: FetchedMessage[] = [];
  const capture = async (message: FetchedMessage): Promise<CaptureReceipt> => {
    captured.push(message);
    return { alreadyCaptured: alreadyCaptured(message) };
  };
  return { captured, capture };
}

/** A capture callback whose second call fails ("database is down"); `stored` holds the ids it did capture. */
export function captureFailingOnSecondCall() {
  const stored = new Set<string>();
  let calls = 0;
  const capture = async (message: FetchedMessage): Promise<CaptureReceipt> => {
    if (++calls === 2) throw new Error('database is down');
    stored.add(message.remoteId);
    return { alreadyCaptured: false };
  };
  return { stored, capture };
}

/** A capture callback that stores each remote id once (raw bytes kept) and reports repeats as already captured. */
export function dedupingStore() {
  const stored = new Map<string, Buffer>();
  const capture = async (message: FetchedMessage): Promise<CaptureReceipt> => {
    const alreadyCaptured = stored.has(message.remoteId);
    if (!alreadyCaptured) stored.set(message.remoteId, message.raw);
    return { alreadyCaptured };
  };
  return { stored, capture };
}

/** Calls `onLine` with each CRLF-terminated line the client sends on `socket` (decoded as latin1, CRLF removed). */
export function onClientLines(socket: Socket, onLine: (line: string) => void): void {
  let buffered = '';
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    let end: number;
    while ((end = buffered.indexOf('\r\n')) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      onLine(line);
    }
  });
}

/** An `afterBatchDeleted` hook that records each batch's receipt count and the server's count right after it. */
export function batchRecorder(countOnServer: () => Promise<number>) {
  const receiptsPerBatch: number[] = [];
  const onServerAfterBatch: number[] = [];
  const afterBatchDeleted = async (receipts: unknown[]): Promise<void> => {
    receiptsPerBatch.push(receipts.length);
    onServerAfterBatch.push(await countOnServer());
  };
  return { receiptsPerBatch, onServerAfterBatch, afterBatchDeleted };
}

/** The result of a run that captured and deleted all `count` messages, with nothing left over. */
export function everythingCaptured(count: number) {
  return {
    seen: count,
    captured: count,
    alreadyCaptured: 0,
    deleted: count,
    truncated: 0,
    problems: [],
    stoppedEarly: false,
  };
}

/** Checks that `captured` holds exactly `fixtures`, in order and whole: same bytes, same sizes, none truncated. */
export function expectCapturedWhole(captured: FetchedMessage[], fixtures: Buffer[]): void {
  expect(captured.map((message) => message.raw)).toEqual(fixtures);
  expect(captured.map((message) => message.size)).toEqual(fixtures.map((bytes) => bytes.length));
  expect(captured.every((message) => !message.truncated)).toBe(true);
}

/** The error a promise rejects with, checked to be an `ErrorClass` (fails the test if it resolves). */
export async function rejectionOf<E extends Error>(
  promise: Promise<unknown>,
  ErrorClass: new (...args: never[]) => E,
): Promise<E> {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ErrorClass);
  return error as E;
}

/** A localhost port that nothing listens on (it was free a moment ago): connecting to it is refused. */
export async function refusingPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
