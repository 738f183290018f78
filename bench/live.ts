/**
 * Live-path benchmark: 200 simulated beds × one PCD-01 ORU^R01 (9 numerics) a second each, over
 * real MLLP into a running node (`vitalmesh start`, its own process), out through the console's
 * WebSocket to a subscriber of the unit. Measures the delay from the sender's send to the
 * subscriber's receipt (p50/p99), and the node process's CPU and RSS (/proc, Linux).
 * Targets (issue 5): p99 < 250 ms, RSS < 400 MB. `--quick` runs in under a minute.
 *
 * Where the time goes: the node's own timings (ingest.status: parse, queue before the group
 * commit, commit, frame → ACK written, its event-loop delay), the event's serverTime (send →
 * node emits; the rest is the WebSocket and this process), and this process's event-loop delay:
 * on a machine short of CPU the receiver's late timestamps are part of what is measured.
 * The node runs without --demo: its simulated beds would be load the figures don't name.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';
import { MllpSender } from '../main/simulator/mllp-sender';
import { hl7Time, pcd01Message, simulatedBed } from '../main/simulator/pcd01';
import { PatientVitals, seededRandom } from '../main/simulator/vitals';

const quick = process.argv.includes('--quick');
const BEDS = 200;
const WARMUP_MS = quick ? 6_000 : 10_000;
const MEASURE_MS = quick ? 25_000 : 60_000;
const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'vitalmesh');

/** HL7 DTM with milliseconds (HL7 v2.5.1 2.A.22 allows 4 fractional digits), so delays are exact. */
const msTime = (t: number) => {
  const s = hl7Time(t);
  return `${s.slice(0, 14)}.${String(t % 1000).padStart(3, '0')}${s.slice(14)}`;
};

const dir = mkdtempSync(join(tmpdir(), 'vitalmesh-bench-live-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  VITALMESH_DATA_DIR: join(dir, 'data'),
  VITALMESH_KEY_SOURCE: 'file',
  VITALMESH_KEY_FILE: join(dir, 'node.key'),
  VITALMESH_CONSOLE_PORT: '0',
  VITALMESH_MLLP_PORT: '0',
  VITALMESH_LOG_LEVEL: 'warn',
  VITALMESH_FROM_SOURCE: '1',
};
const init = spawnSync(CLI, ['keys', 'init', '--key-file', env.VITALMESH_KEY_FILE!], {
  env,
  encoding: 'utf8',
});
if (init.status !== 0) throw new Error(`keys init failed: ${init.stderr}`);

// IT's account from the first-user command; IT then adds the ICU clinician through the API.
const PASSWORD = 'bench-live-password-1';
const itUser = spawnSync(CLI, ['users', 'add', '--username', 'bench.it', '--role', 'it_admin'], {
  env,
  encoding: 'utf8',
  input: `${PASSWORD}\n`,
});
if (itUser.status !== 0) throw new Error(`users add failed: ${itUser.stderr}`);

const child = spawn(CLI, ['start', '--no-demo', '--log-level', 'info'], {
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
const ready = await new Promise<{ url: string; mllpPort: number }>((ok, fail) => {
  const timer = setTimeout(() => fail(new Error('node did not become ready in 60 s')), 60_000);
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      const e = JSON.parse(line) as { msg?: string; url?: string; mllp?: { port: number } };
      if (e.msg === 'node ready' && e.url && e.mllp) {
        clearTimeout(timer);
        ok({ url: e.url, mllpPort: e.mllp.port });
      }
    } catch {
      // not a log line
    }
  });
  child.stderr.resume();
  child.once('exit', (code) => fail(new Error(`node exited with ${code}`)));
});
const nodePid = child.pid!;

/** One API call over HTTP, as the console makes it; throws with the node's message. */
async function api<T>(method: string, input: unknown, token?: string): Promise<T> {
  const r = (await (
    await fetch(`${ready.url}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(input),
    })
  ).json()) as { ok: boolean; value: T; error?: { message: string } };
  if (!r.ok) throw new Error(`${method}: ${r.error?.message}`);
  return r.value;
}
const it = await api<{ token: string }>('auth.login', { username: 'bench.it', password: PASSWORD });
await api(
  'users.add',
  {
    username: 'bench.nurse',
    displayName: 'Bench Nurse',
    role: 'clinician',
    units: ['ICU'],
    password: PASSWORD,
  },
  it.token,
);
const login = {
  value: await api<{ token: string }>('auth.login', { username: 'bench.nurse', password: PASSWORD }),
};
interface Pct {
  p50: number;
  p99: number;
  max: number;
}
type Timings = Record<'parseMs' | 'queueMs' | 'commitMs' | 'inNodeMs' | 'eventLoopDelayMs', Pct> & {
  samples: number;
  messagesPerCommit: number;
};
const nodeTimings = async () => (await api<{ timings?: Timings }>('ingest.status', {}, it.token)).timings;
const benchLoop = monitorEventLoopDelay({ resolution: 10 });

// The subscriber: the clinician's unit view over the console's WebSocket.
const delays: number[] = [];
/** Send → the node emitting the event (its serverTime): ingest, commit, alarms, bus wait. */
const nodeDelays: number[] = [];
let measuring = false;
let valuesReceived = 0;
let batches = 0;
const seen = new Set<string>();
const ws = new WebSocket(`${ready.url.replace('http', 'ws')}/api/events`, {
  headers: { authorization: `Bearer ${login.value.token}` },
});
await new Promise((r) => ws.once('open', r));
ws.on('message', (data) => {
  const now = Date.now();
  const m = JSON.parse((data as Buffer).toString('utf8')) as {
    op: string;
    data?: { serverTime: number; values: { patientId: number; observedAt: number }[] };
  };
  if (m.op !== 'event' || !m.data) return;
  batches++;
  const serverTime = m.data.serverTime;
  for (const v of m.data.values) {
    valuesReceived++;
    // One delay per message (patient × send time): its first value to arrive.
    const key = `${v.patientId}:${v.observedAt}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (measuring && v.observedAt % 1000 !== 0) {
      delays.push(now - v.observedAt);
      nodeDelays.push(serverTime - v.observedAt);
    }
  }
});
ws.send(JSON.stringify({ op: 'subscribe', id: 'icu', stream: 'vitals.unit', params: { unit: 'ICU' } }));

// The monitors: one MLLP connection per bed, one message a second, one in flight.
const random = seededRandom(42);
let stopped = false;
let sent = 0;
let acked = 0;
/** Send → ACK (committed): splits the figure into ingest and bus + WebSocket. */
const ackDelays: number[] = [];
const senders: MllpSender[] = [];
const runBed = async (i: number) => {
  const bed = simulatedBed(1000 + i, random, 'ICU');
  const vitals = new PatientVitals(seededRandom(9000 + i));
  const sender = new MllpSender('127.0.0.1', ready.mllpPort, 5000);
  senders.push(sender);
  await new Promise((r) => setTimeout(r, (i * 1000) / BEDS));
  for (let n = 0; !stopped; n++) {
    let t = Date.now();
    if (t % 1000 === 0) t += 1; // .000 would read as a second-precision time: skip it
    const id = `B${i}-${n}`;
    const text = pcd01Message(bed, vitals.next(), id, t).replaceAll(hl7Time(t), msTime(t));
    sent++;
    try {
      const ack = await sender.send(text, id);
      if (ack.code === 'AA') acked++;
      if (measuring) ackDelays.push(Date.now() - t);
    } catch {
      return; // closed
    }
    const wait = t + 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
};
const running = Array.from({ length: BEDS }, (_, i) => runBed(i));

const cpuTicks = () => {
  const f = readFileSync(`/proc/${nodePid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (USER_HZ = 100 on Linux)
};
const rssMb = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${nodePid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
};

await new Promise((r) => setTimeout(r, WARMUP_MS));
await nodeTimings(); // resets the node's event-loop histogram: the window starts now
benchLoop.enable();
measuring = true;
const ticks0 = cpuTicks();
const sent0 = sent;
const t0 = Date.now();
let rssMax = 0;
const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMb())), 1000);
await new Promise((r) => setTimeout(r, MEASURE_MS));
measuring = false;
clearInterval(sampler);
benchLoop.disable();
const inNode = await nodeTimings();
const elapsedS = (Date.now() - t0) / 1000;
const cpuPercent = ((cpuTicks() - ticks0) / 100 / elapsedS) * 100;
const rssEnd = rssMb();
const messagesPerSec = (sent - sent0) / elapsedS;

stopped = true;
for (const s of senders) s.close();
await Promise.allSettled(running);
ws.close();
const exited = new Promise((r) => child.once('exit', r));
child.kill('SIGTERM');
await exited;
rmSync(dir, { recursive: true, force: true });

delays.sort((a, b) => a - b);
nodeDelays.sort((a, b) => a - b);
ackDelays.sort((a, b) => a - b);
const pick = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
const q = (p: number) => pick(delays, p);
const [load1] = readFileSync('/proc/loadavg', 'utf8').split(' ');
console.log(
  JSON.stringify({
    bench: 'live',
    quick,
    beds: BEDS,
    numericsPerMessage: 9,
    durationS: Math.round(elapsedS),
    messagesPerSec: Math.round(messagesPerSec),
    acked,
    messagesMeasured: delays.length,
    valuesReceived,
    batches,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: delays.at(-1) ?? NaN,
    ackP50Ms: pick(ackDelays, 0.5),
    ackP99Ms: pick(ackDelays, 0.99),
    // Send → the node's serverTime on the event; the rest of p50Ms/p99Ms is WebSocket + receiver.
    nodeEmitP50Ms: pick(nodeDelays, 0.5),
    nodeEmitP99Ms: pick(nodeDelays, 0.99),
    // Inside the node (ms): parse, queue before the group commit, commit, frame → ACK written.
    node: inNode,
    benchEventLoopDelayP99Ms: Math.round(benchLoop.percentile(99) / 1e4) / 100,
    // The machine's 1-min load average at the end: these figures are only as good as the CPU left.
    loadAvg1: Number(load1),
    nodeCpuPercent: Math.round(cpuPercent),
    rssMb: Math.round(rssEnd),
    rssMaxMb: Math.round(Math.max(rssMax, rssEnd)),
    targets: { p99Ms: 250, rssMb: 400 },
  }),
);
