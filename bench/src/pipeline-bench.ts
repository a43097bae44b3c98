import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { generateMessages, startPipelineScenario, SUPPORT_ADDRESS, type ServiceName } from '@twe/testing';

/**
 * End-to-end benchmark: N messages (default 1,000; mixed sizes, every 4th with an attachment of
 * 5 KB .. 2 MB) in the IMAP mailbox -> every notification received by the SMTP sink. Prints
 * messages/s overall and per stage (from the rows' own timestamps) and peak memory per service.
 * This machine's speed drifts: a fixed CPU loop is timed beside it so runs can be compared as ratios.
 *
 *   npm run bench -- [count]
 */
function cpuLoopMs(): number {
  const started = process.hrtime.bigint();
  let x = 0;
  for (let i = 0; i < 50_000_000; i++) x = (x + i * 7) % 1_000_003;
  if (x < 0) console.log(x);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function peakMemoryMb(pid: number | undefined): string {
  if (!pid) return '-';
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? (Number(match[1]) / 1024).toFixed(0) : '-';
  } catch {
    return '-';
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000);
  const calibration = cpuLoopMs();
  const messages = generateMessages(count, {
    to: SUPPORT_ADDRESS,
    runId: randomBytes(4).toString('hex'),
    attachmentEvery: 4,
    attachmentSizes: [5_000, 50_000, 200_000, 2_000_000],
  });
  const totalBytes = messages.reduce((sum, m) => sum + m.raw.length, 0);
  const scenario = await startPipelineScenario({ env: { LOG_LEVEL: 'warn' } });
  try {
    await scenario.appendMessages(messages.map((m) => m.raw));
    const started = Date.now();
    await scenario.fetchNow();
    await scenario.waitFor(
      `${count * 2} emails received by the SMTP sink`,
      async () => scenario.sink.messages.length >= count * 2,
      1_800_000,
    );
    const seconds = (Date.now() - started) / 1000;
    const [stages] = await scenario.query<Record<string, string>>(
      `select extract(epoch from max(m.captured_at) - min(m.captured_at)) as capture,
              extract(epoch from max(m.processed_at) - min(m.captured_at)) as process,
              extract(epoch from (select max(sent_at) - min(created_at) from email_queue)) as send
         from inbound_message m`,
    );
    const pids = scenario.system.pids();
    const rate = (n: number, s: number) => (s > 0 ? (n / s).toFixed(1) : '-');
    console.log(
      `\nEnd-to-end benchmark: ${count} messages, ${(totalBytes / 1e6).toFixed(1)} MB, ${count * 2} emails out`,
    );
    console.log(`CPU calibration loop: ${calibration.toFixed(0)} ms (compare runs as ratios to this)`);
    console.log('| stage | seconds | messages/s |');
    console.log('| --- | --- | --- |');
    console.log(
      `| overall (fetch now -> last email received) | ${seconds.toFixed(1)} | ${rate(count, seconds)} |`,
    );
    console.log(
      `| capture (first -> last captured) | ${Number(stages.capture).toFixed(1)} | ${rate(count, Number(stages.capture))} |`,
    );
    console.log(
      `| process (first captured -> last processed) | ${Number(stages.process).toFixed(1)} | ${rate(count, Number(stages.process))} |`,
    );
    console.log(
      `| send (first queued -> last sent, ${count * 2} emails) | ${Number(stages.send).toFixed(1)} | ${rate(count * 2, Number(stages.send))} emails/s |`,
    );
    console.log('\n| service | peak RSS (MB) |');
    console.log('| --- | --- |');
    for (const name of Object.keys(pids) as ServiceName[])
      console.log(`| ${name} | ${peakMemoryMb(pids[name])} |`);
  } finally {
    await scenario.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
