// Preloaded into the platform by auth.bench.ts when BENCH_AUTH_CPU_PROF is set (NODE_OPTIONS="--require …": Node
// refuses --cpu-prof in NODE_OPTIONS). Samples the main thread from start to exit through the inspector and writes
// CPU_PROFILE_DIR/platform-<pid>.cpuprofile on exit (the platform exits through process.exit on SIGTERM).
const { Session } = require('node:inspector');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', {
    interval: Number(process.env.CPU_PROFILE_INTERVAL_US ?? 500),
  });
  session.post('Profiler.start');
  process.once('exit', () => {
    // Same-thread inspector sessions answer synchronously, so this runs to completion inside the exit handler.
    session.post('Profiler.stop', (error, result) => {
      if (error) return void process.stderr.write(`cpu profile: ${error.message}\n`);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `platform-${process.pid}.cpuprofile`);
      writeFileSync(file, JSON.stringify(result.profile));
      process.stderr.write(`cpu profile written to ${file}\n`);
    });
  });
}
