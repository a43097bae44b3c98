import type { Socket } from 'node:net';

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
