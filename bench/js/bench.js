// The baseline: authing-js-sdk@4.23.55's verifyTotpMfa on Node, against the
// loopback responder of bench/run.sh, with the SDK's defaults (axios on
// Node's global agent, which keeps connections alive since Node 19).
//
// Usage: node bench.js --url URL --id ROW [--inflight 1] [--calls N]
//                      [--secs S] [--warmup-calls W]
// Runs W calls first (not counted: JIT warm-up, connections), then until N
// calls or S seconds, whichever comes first, with `inflight` loops awaiting
// one call at a time each, and prints `RESULT <row> calls= errors= secs=`.
// Exits 1 if any call failed.
'use strict';

const { AuthenticationClient } = require('authing-js-sdk');

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      throw new Error(`bad argument ${argv[i]}`);
    }
    out[argv[i].slice(2)] = argv[i + 1];
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
if (!args.url || !args.id) throw new Error('--url and --id are required');
const inflight = Number(args.inflight || 1);
const calls = Number(args.calls || 1000);
const secs = Number(args.secs || 10);
const warmup = Number(args['warmup-calls'] || 0);

const client = new AuthenticationClient({
  appId: 'bench-app',
  userPoolId: 'bench-pool',
  appHost: args.url,
});

let firstError = null;

// One phase: `inflight` loops claim call numbers until `n` are claimed or
// the deadline passes.
async function phase(n, seconds) {
  const counts = { claimed: 0, ok: 0, errors: 0 };
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  async function loop() {
    while (process.hrtime.bigint() < deadline && counts.claimed++ < n) {
      try {
        const user = await client.mfa.verifyTotpMfa({ totp: '123456', mfaToken: 'bench-mfa-token' });
        // A wrong answer is an error, not a fast call.
        if (user && user.id === 'bench-user') counts.ok++;
        else throw new Error('unexpected answer');
      } catch (e) {
        counts.errors++;
        if (!firstError) firstError = e;
      }
    }
  }
  await Promise.all(Array.from({ length: inflight }, loop));
  counts.secs = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  counts.cpu = (cpu.user + cpu.system) / 1e6;
  return counts;
}

(async () => {
  const warm = await phase(warmup, Math.max(secs, 1));
  const run = await phase(calls, secs);
  const errors = run.errors + warm.errors;
  if (firstError) console.error(`bench.js: call failed: ${firstError.message}`);
  console.log(
    `RESULT ${args.id} calls=${run.ok + run.errors} errors=${errors} secs=${run.secs.toFixed(4)} ` +
      `cpu_s=${run.cpu.toFixed(4)} requested=${calls} ` +
      `inflight=${inflight} node=${process.version}`
  );
  // The global agent keeps sockets open; leave without waiting for them.
  process.exit(errors === 0 && run.ok > 0 ? 0 : 1);
})();
