// Sums vitest's JSON reports of every package into one closing line: "N passed, N failed".
// A package whose tests ran must have left test-results/vitest.json behind.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of readdirSync('packages')) {
  const manifest = JSON.parse(readFileSync(join('packages', name, 'package.json'), 'utf8'));
  if (!manifest.scripts?.test) continue;
  const report = join('packages', name, 'test-results', 'vitest.json');
  if (!existsSync(report)) {
    console.error(`${manifest.name}: no test report (did its tests run?)`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const suiteFailures = (r.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
  console.error(`${manifest.name}: ${r.numPassedTests} passed, ${r.numFailedTests + suiteFailures} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  passed += r.numPassedTests;
  failed += r.numFailedTests + suiteFailures;
  skipped += r.numPendingTests + r.numTodoTests;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
