/** Raw node:crypto rates across `workers` processes at once (the same count as the server's workers). */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { CryptoOperation } from './crypto-rate-worker';

export async function cryptoRate(operation: CryptoOperation, workers: number, seconds: number): Promise<number> {
  const script = join(__dirname, 'crypto-rate-worker.js');
  const counts = await Promise.all(
    Array.from({ length: workers }, () =>
      new Promise<number>((resolve, reject) =>
        execFile(process.execPath, [script, operation, String(seconds)], (error, stdout) => (error ? reject(error) : resolve(Number(stdout.trim())))),
      ),
    ),
  );
  return Math.round(counts.reduce((sum, n) => sum + n, 0) / seconds);
}
