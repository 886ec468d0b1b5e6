// A Playwright Test reporter that ends the run with one plain line CI can read: `N passed, N failed, N skipped`.
import type { FullResult, Reporter, Suite, TestError } from '@playwright/test/reporter';

export default class CountsReporter implements Reporter {
  private suite: Suite | undefined;
  private errors = 0;

  onBegin(_config: unknown, suite: Suite): void {
    this.suite = suite;
  }

  /** Errors outside any test (global setup, a file that fails to load) count as failures, so they show. */
  onError(_error: TestError): void {
    this.errors++;
  }

  onEnd(_result: FullResult): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    for (const test of this.suite?.allTests() ?? []) {
      const outcome = test.outcome();
      if (outcome === 'expected' || outcome === 'flaky') counts.passed++;
      else if (outcome === 'skipped') counts.skipped++;
      else counts.failed++;
    }
    counts.failed += this.errors;
    process.stdout.write(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }

  printsToStdio(): boolean {
    return false;
  }
}
