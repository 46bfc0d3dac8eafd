// Ends every run with the skip reasons (infrastructure that was missing) and one plain closing line,
// `tests: N passed, N failed, N skipped`, that CI readers understand whatever the runner.
const { existsSync, readFileSync, writeSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const log = process.env.IDP_TEST_SKIP_LOG;
    const skips =
      log && existsSync(log) ? [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))] : [];
    if (skips.length) {
      process.stderr.write(
        `\nSkipped suites (each with its reason):\n${skips.map((s) => `  - ${s}`).join('\n')}\n`,
      );
    }
    const failedSuites = results.numFailedTestSuites + results.numRuntimeErrorTestSuites;
    const failed =
      results.numFailedTests + (failedSuites > 0 && results.numFailedTests === 0 ? failedSuites : 0);
    const skipped = results.numPendingTests + results.numTodoTests;
    // Written at exit so it stays the run's last line, after Jest's own summary.
    const line = `\ntests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`;
    process.once('exit', () => writeSync(2, line));
  }
}
module.exports = SummaryReporter;
