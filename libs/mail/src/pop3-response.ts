/**
 * POP3 response framing (RFC 1939 §3), as pure decoders fed with socket chunks in arrival order.
 *
 * Chunk boundaries are arbitrary (TLS records are at most 16 KiB, TCP reads often 64 KiB): a status
 * line, a CRLF, a byte-stuffed dot or the end marker `CRLF.CRLF` may each be cut in two. node-pop3
 * 0.11.0 looked for the marker only at the end of each chunk (a RETR never returned when it straddled
 * two chunks) and concatenated the whole message again on every chunk; these decoders carry at most
 * four bytes over to the next chunk and join the kept chunks once, at the end.
 */

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const CRLF = Buffer.from('\r\n');
const EMPTY = Buffer.alloc(0);

/** A server status line longer than this is not POP3 (RFC 1939: 512 octets; generous for odd servers). */
export const MAX_STATUS_LINE_BYTES = 64 * 1024;

/** Something that consumes bytes until its response is complete. */
export interface ResponseDecoder {
  /** Takes the next chunk; once the response is complete returns the bytes after it (maybe empty), else undefined. */
  feed(chunk: Buffer): Buffer | undefined;
}

/** Thrown by a decoder when the server sends something that cannot be POP3. */
export class Pop3FramingError extends Error {
  override name = 'Pop3FramingError';
}

/** One status line (`+OK ...`, `-ERR ...`, `+ <challenge>`), without its CRLF. */
export class StatusLineDecoder implements ResponseDecoder {
  private parts: Buffer[] = [];
  private length = 0;
  private line: string | null = null;

  feed(chunk: Buffer): Buffer | undefined {
    // The CRLF may straddle chunks: search from one byte before the new chunk.
    const data = this.length === 0 ? chunk : Buffer.concat([...this.parts, chunk]);
    const end = data.indexOf(CRLF, Math.max(0, this.length - 1));
    if (end < 0) {
      if (data.length > MAX_STATUS_LINE_BYTES)
        throw new Pop3FramingError('status line too long: not a POP3 server?');
      this.parts = [data];
      this.length = data.length;
      return undefined;
    }
    this.line = data.subarray(0, end).toString('utf8');
    this.parts = [];
    return data.subarray(end + 2);
  }

  /** The line, once `feed` reported it complete. */
  get value(): string {
    if (this.line === null) throw new Error('status line not complete yet');
    return this.line;
  }
}

/** The body of a multi-line response, as far as `limit` bytes, with its total size. */
export interface MultilineBody {
  /** The decoded bytes (dot-unstuffing applied, end marker removed), at most `limit` of them. */
  data: Buffer;
  /** Bytes in the whole decoded body, including those beyond `limit` that were read and dropped. */
  size: number;
}

/**
 * The data lines of a multi-line response (after its `+OK` line), up to and excluding `.CRLF`.
 * Lines starting with a dot lose that dot (byte-stuffing). Bytes past `limit` are counted and dropped,
 * so a 30 MB message under a 25 MB limit costs 25 MB of memory, not 30 (or several times 30).
 */
export class MultilineDecoder implements ResponseDecoder {
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private totalBytes = 0;
  /** Undecided bytes from the end of the last chunk: a line-start `.`/`.\r`, or a lone `\r`. */
  private pending: Buffer = EMPTY;
  private atLineStart = true;
  private complete = false;

  constructor(private readonly limit: number = Number.POSITIVE_INFINITY) {}

  feed(chunk: Buffer): Buffer | undefined {
    if (this.complete) return chunk;
    const data = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = EMPTY;
    let emitFrom = 0;
    let position = 0;
    let lineStart = this.atLineStart;
    for (;;) {
      if (lineStart) {
        if (position >= data.length) {
          this.emit(data, emitFrom, position);
          this.atLineStart = true;
          return undefined;
        }
        if (data[position] === DOT) {
          const undecided =
            position + 1 >= data.length || (data[position + 1] === CR && position + 2 >= data.length);
          if (undecided) {
            this.emit(data, emitFrom, position);
            this.pending = data.subarray(position);
            this.atLineStart = true;
            return undefined;
          }
          if (data[position + 1] === CR && data[position + 2] === LF) {
            this.emit(data, emitFrom, position);
            this.complete = true;
            return data.subarray(position + 3);
          }
          // A byte-stuffed line: the dot was added by the server and is not part of the message.
          this.emit(data, emitFrom, position);
          emitFrom = position + 1;
        }
      }
      const lineEnd = data.indexOf(CRLF, position);
      if (lineEnd < 0) {
        const lastIsCr = data[data.length - 1] === CR;
        const until = lastIsCr ? data.length - 1 : data.length;
        this.emit(data, emitFrom, until);
        if (lastIsCr) this.pending = data.subarray(until);
        this.atLineStart = false;
        return undefined;
      }
      position = lineEnd + 2;
      lineStart = true;
    }
  }

  /** The body, joined once; only valid after `feed` reported completion. */
  result(): MultilineBody {
    if (!this.complete) throw new Error('multi-line response not complete yet');
    const data = this.kept.length === 1 ? this.kept[0] : Buffer.concat(this.kept, this.keptBytes);
    return { data, size: this.totalBytes };
  }

  private emit(data: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.totalBytes += to - from;
    const room = this.limit - this.keptBytes;
    if (room <= 0) return;
    const piece = data.subarray(from, from + Math.min(to - from, room));
    this.kept.push(piece);
    this.keptBytes += piece.length;
  }
}
