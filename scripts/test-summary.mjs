#!/usr/bin/env node
// Prints "N passed, N failed" from Vitest's JSON report (written by the json reporter
// configured in vite.config.ts). Exits non-zero when the report is missing or a test failed.
import { readFileSync } from 'node:fs';

const path = process.argv[2] ?? '.vitest-reports/results.json';
let report;
try {
  report = JSON.parse(readFileSync(path, 'utf8'));
} catch (err) {
  console.log('0 passed, 1 failed');
  console.error(`test-summary: no readable Vitest report at ${path}: ${err.message}`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exit(failed > 0 || report.success === false ? 1 : 0);
