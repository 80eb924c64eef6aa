import * as fs from 'fs';
import * as path from 'path';
import { renderErrorCatalogue } from '../scripts/errors-doc';
import { ERROR_CASES, errorOf } from './support/error-catalogue';

const LOWERCASE_OR_IDENTIFIER = /^([a-z'$(]|[A-Z][a-z]+[A-Z][A-Za-z]*\b|[A-Z0-9_]{2,}\b|(Service|Role|Namespace|Secret)\b)/;

describe('bad-input catalogue', () => {
  test.each(ERROR_CASES.map(c => [`${c.category}: ${c.input}`, c] as const))('%s is refused, naming where, the bad value and the fix', (_, errorCase) => {
    const error = errorOf(errorCase);
    expect(error).toBeDefined();
    const message = error!.message;
    expect(message.startsWith(errorCase.where)).toBe(true);
    expect(message).toContain(errorCase.value);
    expect(message).toContain(errorCase.fix);
    // lowercase prose after the location; a leading identifier (a kind such as StatefulSet, or TCP, or an env
    // variable) keeps its own case
    const text = message.slice(errorCase.where.length).replace(/^[\]:]?\s*/, '');
    expect(text).toMatch(LOWERCASE_OR_IDENTIFIER);
  });

  test('docs/errors.md is the catalogue with the exact messages (regenerate with `npx projen docs:errors`)', () => {
    const committed = fs.readFileSync(path.join(__dirname, '..', 'docs', 'errors.md'), 'utf-8');
    expect(committed).toBe(renderErrorCatalogue());
  });

  test('the lowercase check refuses capitalised prose', () => {
    expect('Invalid port').not.toMatch(LOWERCASE_OR_IDENTIFIER);
    expect('StatefulSet name').toMatch(LOWERCASE_OR_IDENTIFIER);
  });
});
