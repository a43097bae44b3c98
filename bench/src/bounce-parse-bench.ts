import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseBounce } from '@twe/domain';
import { fixturesDir } from '@twe/testing';

/**
 * Bounce parsing throughput: parses every message of fixtures/bounces/eml ROUNDS times (default
 * 200, env BOUNCE_BENCH_ROUNDS) in one process and prints messages/s plus per-message p50/p99 in
 * microseconds. The first round warms the JIT and is not counted.
 *
 *   npm run bench            (runs this before the pipeline benchmark)
 *   node bench/dist/bounce-parse-bench.js [rounds]
 */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function main(): void {
  const rounds = Number(process.argv[2] ?? process.env['BOUNCE_BENCH_ROUNDS'] ?? 200);
  const dir = join(fixturesDir(), 'bounces', 'eml');
  const samples = readdirSync(dir)
    .filter((name) => name.endsWith('.eml'))
    .sort()
    .map((name) => readFileSync(join(dir, name)));
  const bytes = samples.reduce((sum, raw) => sum + raw.length, 0);
  let bounces = 0;
  for (const raw of samples) if (parseBounce(raw).kind === 'bounce') bounces++;

  const micros: number[] = [];
  const started = process.hrtime.bigint();
  for (let round = 0; round < rounds; round++) {
    for (const raw of samples) {
      const t0 = process.hrtime.bigint();
      parseBounce(raw);
      micros.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  micros.sort((a, b) => a - b);
  const parsed = samples.length * rounds;
  const rows: Array<[string, string]> = [
    [
      'samples (fixtures/bounces/eml)',
      `${samples.length} (${bounces} bounces, ${(bytes / 1024).toFixed(0)} KiB)`,
    ],
    ['rounds', String(rounds)],
    ['messages parsed', String(parsed)],
    ['seconds', seconds.toFixed(2)],
    ['messages/s', (parsed / seconds).toFixed(0)],
    ['MiB/s', ((bytes * rounds) / 1024 / 1024 / seconds).toFixed(1)],
    ['per message p50 (µs)', percentile(micros, 50).toFixed(0)],
    ['per message p99 (µs)', percentile(micros, 99).toFixed(0)],
    ['per message max (µs)', percentile(micros, 100).toFixed(0)],
  ];
  console.log('\nbounce parsing (parseBounce, one process, synchronous)');
  for (const [key, value] of rows) console.log(`  ${key.padEnd(32)} ${value}`);
}

main();
