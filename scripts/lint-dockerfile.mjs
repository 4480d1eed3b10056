#!/usr/bin/env node
// Lints a Dockerfile with dockerfile-utils' validate() API.
// Usage: node scripts/lint-dockerfile.mjs [path]   (defaults to ./Dockerfile)
// Prints every problem as `<file>:<line>:<column> <severity> <message>` and exits 1 on any error or warning.
import { readFileSync } from 'node:fs';
import { ValidationSeverity, validate } from 'dockerfile-utils';

// LSP DiagnosticSeverity values used by dockerfile-utils' diagnostics.
const SEVERITY = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };

const shown = process.argv[2] ?? 'Dockerfile';

let content;
try {
  content = readFileSync(shown, 'utf8');
} catch (err) {
  console.error(`${shown}: cannot read file (${err.code ?? err.message})`);
  process.exit(1);
}

// Report the optional checks too (as warnings), so style slips fail the lint as well.
const problems = validate(content, {
  deprecatedMaintainer: ValidationSeverity.WARNING,
  directiveCasing: ValidationSeverity.WARNING,
  emptyContinuationLine: ValidationSeverity.WARNING,
  instructionCasing: ValidationSeverity.WARNING,
  instructionCmdMultiple: ValidationSeverity.WARNING,
  instructionEntrypointMultiple: ValidationSeverity.WARNING,
  instructionHealthcheckMultiple: ValidationSeverity.WARNING,
  instructionJSONInSingleQuotes: ValidationSeverity.WARNING,
  instructionWorkdirRelative: ValidationSeverity.WARNING,
});

problems.sort(
  (a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character,
);

let failing = 0;
for (const problem of problems) {
  const severity = SEVERITY[problem.severity] ?? 'error';
  if (severity === 'error' || severity === 'warning') failing += 1;
  const line = problem.range.start.line + 1;
  const column = problem.range.start.character + 1;
  const code = problem.code === undefined ? '' : ` [code ${problem.code}]`;
  console.log(`${shown}:${line}:${column} ${severity}: ${problem.message}${code}`);
}

if (failing > 0) {
  console.log(`${shown}: ${failing} problem${failing === 1 ? '' : 's'}`);
  process.exit(1);
}
console.log(`${shown}: no problems`);
