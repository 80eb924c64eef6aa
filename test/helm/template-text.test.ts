import * as fs from 'fs';
import * as fc from 'fast-check';
import { helmTemplate, writeChart } from './render';
import { Choice, evaluate, matchLines, serialize, templateLines, variantsTemplate } from '../../src/helm/internal/template-text';
import { assertProperty } from '../support/properties';

/**
 * The template writer: for any set of variants of an object (lines that differ between the cases of up to two choices,
 * empty lines and literal braces among them), the template renders each variant byte for byte, by the TypeScript
 * evaluator the chart checks itself with and by Go's text/template.
 */
const choice = (name: string, cases: number): Choice => ({
  cases,
  defaultCase: 0,
  condition: c => `eq (int .Values.${name}) ${c.join(' ')}`,
});

const line = fc.constantFrom('a: 1\n', 'b: 2\n', '  c: x\n', '\n', '  - item\n', 'd: {{ braces }}\n', '---\n', 'e: end\n');
const lines = fc.array(line, { maxLength: 8 });

function variantsOf(sizes: number[], texts: string[][]): Array<{ cases: number[]; lines: string[] }> {
  const combos = sizes.reduce<number[][]>((all, size) => all.flatMap(p => Array.from({ length: size }, (_, c) => [...p, c])), [[]]);
  return combos.map((cases, i) => ({ cases, lines: texts[i % texts.length].map(l => templateLines(l, [])[0] ?? l) }));
}

function render(template: string, choices: Choice[], cases: number[]): string {
  return evaluate(template, condition => {
    const i = choices.findIndex(c => condition.startsWith(`eq (int .Values.${['one', 'two'][choices.indexOf(c)]})`));
    const listed = condition.split(') ')[1].split(' ').map(Number);
    return listed.includes(cases[i]);
  }, action => `{{ ${action} }}`);
}

describe('template writer', () => {
  test('every variant renders back, byte for byte (generated variants, one or two choices)', () => {
    assertProperty(fc.property(fc.integer({ min: 2, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.array(lines, { minLength: 1, maxLength: 9 }),
      (first, second, texts) => {
        const choices = [choice('one', first), choice('two', second)];
        const variants = variantsOf([first, second], texts);
        const template = serialize(variantsTemplate(choices, variants));
        for (const v of variants) {
          const expected = v.lines.join('').split('{{ "{{" }}').join('{{');
          expect({ cases: v.cases, rendered: render(template, choices, v.cases) }).toEqual({ cases: v.cases, rendered: expected });
        }
      }));
  });

  test('Go\'s text/template renders the same as the evaluator (actions on their own lines, inline after an empty line, at the start)', () => {
    const choices = [choice('one', 3)];
    const variants = [
      { cases: [0], lines: ['gap first\n', 'a: 1\n', '\n', 'after empty\n', 'x: {{ "{{" }} literal\n', 'tail\n'] },
      { cases: [1], lines: ['a: 1\n', '\n', 'other\n', 'x: {{ "{{" }} literal\n'] },
      { cases: [2], lines: ['a: 1\n', '\n', 'x: {{ "{{" }} literal\n', 'tail\n', 'more\n'] },
    ];
    const template = serialize(variantsTemplate(choices, variants));
    expect(template).toContain('{{ if eq (int .Values.one)'); // inline at the start of the text
    expect(template).toContain('{{- if eq (int .Values.one)'); // on its own line after a non-empty line
    const chart = writeChart({ 'Chart.yaml': 'apiVersion: v2\nname: t\nversion: 1.0.0\n', 'values.yaml': 'one: 0\n', 'templates/t.yaml': template });
    try {
      for (const v of variants) {
        const rendered = helmTemplate(chart, { namespace: 'x', set: [`one=${v.cases[0]}`] }).manifests['templates/t.yaml'];
        const expected = v.lines.join('').split('{{ "{{" }}').join('{{');
        expect(rendered).toBe(expected);
        expect(render(template, choices, v.cases)).toBe(expected);
      }
    } finally {
      fs.rmSync(chart, { recursive: true, force: true });
    }
  });

  test('templateLines escapes braces, and writes a whole scalar with its helper, a part of a string with the expression', () => {
    const sentinels = [{ sentinel: 'zz1zz', expression: '.Release.Namespace', scalar: 'include "c.namespace" .' }];
    expect(templateLines('a: zz1zz\nb: x.zz1zz.svc\n- zz1zz\nc: |\n  zz1zz\n  {{ raw }}\nd: zz1zz\n', sentinels)).toEqual([
      'a: {{ include "c.namespace" . }}\n',
      'b: x.{{ .Release.Namespace }}.svc\n',
      '- {{ include "c.namespace" . }}\n',
      'c: |\n',
      '  {{ .Release.Namespace }}\n', // inside a block scalar: text, never quoted
      '  {{ "{{" }} raw }}\n',
      'd: {{ include "c.namespace" . }}\n',
    ]);
  });

  test('matchLines pairs the lines of a longest common subsequence', () => {
    expect(matchLines(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd', 'e'])).toEqual([0, -1, 2, 3]);
    expect(matchLines(['a'], [])).toEqual([-1]);
  });
});
