/**
 * Where the log lines go: stdout, in one write per event-loop turn instead of one per line (a
 * busy server writes two lines per request; the system calls cost more than making the lines).
 * Lines wait at most until the end of the current turn, and are written synchronously on exit,
 * including an exit after an uncaught exception; only a killed process (SIGKILL) loses the lines
 * of its last turn. Each write holds whole lines and at most PIPE_BUF bytes where it can, so the
 * lines of several workers sharing one pipe never interleave.
 */
import { writeSync } from 'node:fs';

/** Writes of up to this many bytes to a pipe are atomic (POSIX PIPE_BUF on Linux). */
const ATOMIC_WRITE = 4096;

export class TurnBufferedDestination {
  /** Chunks ready to be written, each of whole lines. */
  private readonly full: string[] = [];
  private chunk = '';
  private chunkBytes = 0;
  private scheduled = false;
  private broken = false;

  constructor(private readonly fd = 1) {
    process.on('exit', () => this.flushSync());
  }

  /** pino's destination contract: one line (with its newline) per call. */
  write(line: string): boolean {
    if (this.broken) return true;
    const bytes = Buffer.byteLength(line);
    if (this.chunkBytes > 0 && this.chunkBytes + bytes > ATOMIC_WRITE) {
      this.full.push(this.chunk);
      this.chunk = '';
      this.chunkBytes = 0;
    }
    this.chunk += line;
    this.chunkBytes += bytes;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushSync);
    }
    return true;
  }

  /** Writes everything now (pino's flushSync, and on exit). */
  readonly flushSync = (): void => {
    this.scheduled = false;
    if (this.chunkBytes > 0) {
      this.full.push(this.chunk);
      this.chunk = '';
      this.chunkBytes = 0;
    }
    const chunks = this.full.splice(0);
    for (const chunk of chunks) {
      if (!this.broken) this.writeAll(Buffer.from(chunk));
    }
  };

  private writeAll(data: Buffer): void {
    while (data.length > 0) {
      try {
        data = data.subarray(writeSync(this.fd, data));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // A non-blocking pipe that is full: wait for the reader, as pino's own sync destination does.
        if (code === 'EAGAIN') {
          Atomics.wait(PAUSE, 0, 0, 10);
          continue;
        }
        // Nobody reads stdout any more: logging stops, serving goes on (pino ignores EPIPE too).
        if (code === 'EPIPE') {
          this.broken = true;
          return;
        }
        throw error;
      }
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));
