/**
 * Writes docs/errors.md from the bad-input catalogue (test/support/error-catalogue.ts), with the exact messages the
 * library gives today:  npx projen docs:errors
 */
import * as fs from 'fs';
import * as path from 'path';
import { ERROR_CASES, errorOf } from '../test/support/error-catalogue';

export function renderErrorCatalogue(): string {
  const lines = [
    '# Bad input and the errors it gets',
    '',
    'Every class of invalid input the library refuses, with the exact message. Construction errors are thrown by the',
    'constructor or method that receives the input; synthesis errors come from checks that depend on later calls and fail',
    '`cdk8s synth` (cdk8s prints them as `[construct path] message`). Every message names the construct path (or, for',
    'value classes built outside any construct, the factory call), shows the bad value, and says what to do.',
    '',
    'Generated from `test/support/error-catalogue.ts` by `npx projen docs:errors`; `test/errors.test.ts` checks each',
    'message and that this page is current. The examples use a chart `app` in namespace `shop`.',
  ];
  const categories = [...new Set(ERROR_CASES.map(c => c.category))];
  for (const category of categories) {
    lines.push('', `## ${category}`, '', '| input | refused at | error |', '|---|---|---|');
    for (const errorCase of ERROR_CASES.filter(c => c.category === category)) {
      const error = errorOf(errorCase);
      const message = error ? error.message.replace(/\|/g, '\\|') : '(not refused)';
      lines.push(`| ${errorCase.input} | ${error?.at ?? '-'} | \`${message.replace(/`/g, "'")}\` |`);
    }
  }
  return lines.join('\n') + '\n';
}

if (require.main === module) {
  const target = path.join(__dirname, '..', 'docs', 'errors.md');
  fs.writeFileSync(target, renderErrorCatalogue());
  console.log(`errors-doc: ${ERROR_CASES.length} cases -> ${path.relative(process.cwd(), target)}`);
}
