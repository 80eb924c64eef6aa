/**
 * Turning the texts cdk8s writes into Go template text that renders back to them byte for byte. Not exported from the
 * package.
 *
 * Two steps:
 * - `templateLines()`: one text, built with placeholder strings (sentinels), becomes template lines: literal `{{` is
 *   escaped, and each sentinel becomes the expression of its value (`{{ .Release.Namespace }}` inside a longer string,
 *   a quoting helper where it is the whole YAML scalar, since YAML would read `true` or `123` as another type);
 * - `variantsTemplate()`: the template lines of one object, built with each combination of the choices it depends on,
 *   become one template: lines common to every combination are written once, and each run of lines that differs becomes
 *   an `if`/`else if`/`else` over the values it depends on.
 *
 * The Go template rules this relies on (text/template package docs, "Text and spaces"): `{{- ` trims all white space
 * before the action, so an action on its own line written `{{- if ... }}` removes exactly the line break before it
 * when the previous line ends in a non-space character, and its own line break takes that one's place; everywhere else
 * (at the start of a file, after an empty line) the action is written inline, without trimming.
 */

/** A placeholder string and the template expressions that replace it. */
export interface SentinelText {
  readonly sentinel: string;
  /** The action inside a longer string: `.Release.Namespace`. */
  readonly expression: string;
  /** The action where the sentinel is the whole scalar: `include "chart.scalar" .Values.pg.image`. */
  readonly scalar: string;
}

const BLOCK_HEADER = /(?:^|:\s|-\s)[|>][0-9+-]*$/;

/**
 * The template lines of one YAML text (each line with its line break). Sentinels are replaced longest first.
 */
export function templateLines(text: string, sentinels: readonly SentinelText[]): string[] {
  const ordered = [...sentinels].sort((a, b) => b.sentinel.length - a.sentinel.length);
  const lines = text.split(/(?<=\n)/);
  const result: string[] = [];
  let blockIndent: number | undefined;
  for (const line of lines) {
    const body = line.endsWith('\n') ? line.slice(0, -1) : line;
    const indent = body.length - body.trimStart().length;
    if (blockIndent !== undefined && (body.trim() === '' || indent > blockIndent)) {
      result.push(substitute(line, ordered, false));
      continue;
    }
    blockIndent = BLOCK_HEADER.test(body) ? indent : undefined;
    result.push(substitute(line, ordered, true));
  }
  return result;
}

/** Replaces the sentinels of one line (escaped first: a literal `{{` in the text must stay text). */
function substitute(line: string, sentinels: readonly SentinelText[], yamlContext: boolean): string {
  let out = line.split('{{').join('{{ "{{" }}');
  for (const s of sentinels) {
    let from = 0;
    for (let at = out.indexOf(s.sentinel, from); at >= 0; at = out.indexOf(s.sentinel, from)) {
      const before = out.slice(0, at);
      const after = out.slice(at + s.sentinel.length);
      const action = yamlContext && isWholeScalar(before, after) ? s.scalar : s.expression;
      const replacement = `{{ ${action} }}`;
      out = before + replacement + after;
      from = at + replacement.length;
    }
  }
  return out;
}

/** The sentinel is a whole plain scalar: a sequence item, a mapping value or a mapping key. */
function isWholeScalar(before: string, after: string): boolean {
  const rest = after.replace(/\n$/, '');
  if (/^\s*(?:-\s+)*$/.test(before)) {
    return rest === '' || rest === ':' || rest.startsWith(': ');
  }
  return rest === '' && /^\s*(?:-\s+)*[^\s"'#{][^"'{]*:\s$/.test(before);
}

/** One value a template chooses on. */
export interface Choice {
  /** The number of cases. */
  readonly cases: number;
  /** The case of the reference build. */
  readonly defaultCase: number;
  /** The template condition that holds for exactly these cases. */
  condition(cases: number[]): string;
}

/** The template lines of one object for one combination of cases (one per choice, in order). */
export interface Variant {
  readonly cases: number[];
  readonly lines: string[];
}

/** A template as a tree: lines, and switches over one choice. */
export type TemplateNode = LineNode | SwitchNode;

interface LineNode {
  readonly line: string;
}

interface SwitchNode {
  readonly choice: Choice;
  /** Each branch: the cases it holds, and its nodes. The last branch is the `else` when `otherwise` is set. */
  readonly branches: ReadonlyArray<{ readonly cases: number[]; readonly nodes: TemplateNode[] }>;
  /** The nodes of the `else`, or undefined for none (empty). */
  readonly otherwise?: TemplateNode[];
}

/**
 * One object's template from its variants: every combination of the cases of `choices` (the reference, all default
 * cases, among them). Lines common to all are written once; each run that differs, as a switch over the choices it
 * depends on.
 */
export function variantsTemplate(choices: readonly Choice[], variants: readonly Variant[]): TemplateNode[] {
  const reference = variants.find(v => v.cases.every((c, i) => c === choices[i].defaultCase));
  if (!reference) {
    throw new Error('HelmChart: the reference build is missing from the variants; this is a bug, please report it');
  }
  const base = reference.lines;
  const matches = variants.map(v => (v === reference ? base.map((_, i) => i) : matchLines(base, v.lines)));
  const anchors = base.map((_, i) => i).filter(i => matches.every(m => m[i] >= 0));
  const nodes: TemplateNode[] = [];
  let previous = -1;
  for (const anchor of [...anchors, base.length]) {
    const gap = variants.map((v, k) => {
      const start = previous < 0 ? 0 : matches[k][previous] + 1;
      const end = anchor === base.length ? v.lines.length : matches[k][anchor];
      return v.lines.slice(start, end);
    });
    nodes.push(...gapNodes(choices, variants, gap));
    if (anchor < base.length) {
      nodes.push({ line: base[anchor] });
    }
    previous = anchor;
  }
  return nodes;
}

/** A run of lines that may differ between variants, as a switch over the choices it depends on. */
function gapNodes(choices: readonly Choice[], variants: readonly Variant[], gap: string[][]): TemplateNode[] {
  const keys = gap.map(lines => JSON.stringify(lines));
  if (keys.every(k => k === keys[0])) {
    return gap[0].map(line => ({ line }));
  }
  // the choices the run depends on: changing one of them alone changes it
  const relevant = choices.map((_, i) => i).filter(d => {
    const byOthers = new Map<string, string>();
    return variants.some((v, k) => {
      const others = v.cases.filter((_c, i) => i !== d).join(',');
      const seen = byOthers.get(others);
      byOthers.set(others, keys[k]);
      return seen !== undefined && seen !== keys[k];
    });
  });
  const table = new Map<string, { cases: number[]; lines: string[] }>();
  variants.forEach((v, k) => {
    const cases = relevant.map(i => v.cases[i]);
    table.set(cases.join(','), { cases, lines: gap[k] });
  });
  return switchNodes(relevant.map(i => choices[i]), [...table.values()]);
}

function switchNodes(choices: readonly Choice[], table: ReadonlyArray<{ cases: number[]; lines: string[] }>): TemplateNode[] {
  if (choices.length === 0) {
    return table[0].lines.map(line => ({ line }));
  }
  const [choice, ...rest] = choices;
  const sub = (c: number) => table.filter(t => t.cases[0] === c).map(t => ({ cases: t.cases.slice(1), lines: t.lines }))
    .sort((a, b) => a.cases.join(',').localeCompare(b.cases.join(',')));
  // cases whose rest is the same share a branch (cases that were never built, so are not allowed, have none)
  const groups = new Map<string, number[]>();
  for (let c = 0; c < choice.cases; c++) {
    if (sub(c).length > 0) {
      const key = JSON.stringify(sub(c));
      groups.set(key, [...groups.get(key) ?? [], c]);
    }
  }
  const branches = [...groups.values()];
  if (branches.length === 1) {
    return switchNodes(rest, sub(branches[0][0]));
  }
  // the largest group (the one holding the default case on a tie) is the `else`
  const otherwise = branches.reduce((best, b) => (b.length > best.length || (b.length === best.length && b.includes(choice.defaultCase)) ? b : best));
  const otherwiseNodes = switchNodes(rest, sub(otherwise[0]));
  return [{
    choice,
    branches: branches.filter(b => b !== otherwise).map(cases => ({ cases, nodes: switchNodes(rest, sub(cases[0])) })),
    otherwise: otherwiseNodes.length > 0 ? otherwiseNodes : undefined,
  }];
}

/**
 * The template text of a tree. A switch is written with its actions on their own lines (`{{- if ... }}`) where that
 * renders the same text, that is where the text before each of its actions ends in a line break after a non-space
 * character (the trimmed line break is then replaced by the action's own); otherwise inline (`{{ if ... }}`, no
 * trimming), which renders the same text everywhere.
 */
export function serialize(nodes: readonly TemplateNode[], before: string = ''): string {
  let out = '';
  for (const node of nodes) {
    if ('line' in node) {
      out += node.line;
    } else {
      out += serializeSwitch(node, tail(before + out));
    }
  }
  return out;
}

function serializeSwitch(node: SwitchNode, before: string): string {
  const actions = [
    ...node.branches.map((b, i) => ({ action: `${i === 0 ? 'if' : 'else if'} ${node.choice.condition(b.cases)}`, nodes: b.nodes })),
    ...node.otherwise ? [{ action: 'else', nodes: node.otherwise }] : [],
  ];
  if (endsWithLineBreak(before)) {
    let out = '';
    let ok = true;
    for (const { action, nodes } of actions) {
      if (out !== '' && !endsWithLineBreak(tail(before + out))) {
        ok = false;
        break;
      }
      out += `{{- ${action} }}\n`;
      out += serialize(nodes, tail(before + out));
    }
    if (ok && endsWithLineBreak(tail(before + out))) {
      return `${out}{{- end }}\n`;
    }
  }
  let out = '';
  for (const { action, nodes } of actions) {
    out += `{{ ${action} }}`;
    out += serialize(nodes, tail(before + out));
  }
  return `${out}{{ end }}`;
}

function tail(text: string): string {
  return text.slice(-2);
}

/** A trimming action here removes exactly one line break, after a non-space character. */
function endsWithLineBreak(text: string): boolean {
  return text.length === 2 && text[1] === '\n' && !/\s/.test(text[0]);
}

/**
 * For each line of `a`, the index of the line of `b` it is matched with in a longest common subsequence, or -1.
 * Common leading and trailing lines are matched first.
 */
export function matchLines(a: readonly string[], b: readonly string[]): number[] {
  const result = new Array<number>(a.length).fill(-1);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) {
    result[head] = head;
    head++;
  }
  let end = 0;
  while (end < a.length - head && end < b.length - head && a[a.length - 1 - end] === b[b.length - 1 - end]) {
    result[a.length - 1 - end] = b.length - 1 - end;
    end++;
  }
  const n = a.length - head - end;
  const m = b.length - head - end;
  if (n > 0 && m > 0) {
    // lengths[i][j]: LCS of a[head+i..] and b[head+j..]
    const lengths = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lengths[i][j] = a[head + i] === b[head + j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[head + i] === b[head + j]) {
        result[head + i] = head + j;
        i++;
        j++;
      } else if (lengths[i + 1][j] >= lengths[i][j + 1]) {
        i++;
      } else {
        j++;
      }
    }
  }
  return result;
}

/**
 * Renders template text written by `serialize()` the way Go's text/template does (the actions it writes: `if`,
 * `else if`, `else`, `end`, escaped braces and value expressions; `{{- ` trims the white space before it), for a
 * self-check: `decide` answers a condition, `expression` the text of a value expression.
 */
export function evaluate(template: string, decide: (condition: string) => boolean, expression: (action: string) => string): string {
  const tokens: Array<{ text: string } | { action: string; trim: boolean }> = [];
  const pattern = /\{\{(- )? ?((?:"(?:[^"\\]|\\.)*"|[^}"])*?) \}\}/g;
  let last = 0;
  for (let m = pattern.exec(template); m; m = pattern.exec(template)) {
    tokens.push({ text: template.slice(last, m.index) });
    tokens.push({ action: m[2], trim: m[1] !== undefined });
    last = m.index + m[0].length;
  }
  tokens.push({ text: template.slice(last) });
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i];
    const previous = tokens[i - 1];
    if ('action' in token && token.trim && 'text' in previous) {
      tokens[i - 1] = { text: previous.text.replace(/\s+$/, '') };
    }
  }
  let out = '';
  // each open `if`: whether its taken branch was found yet, and whether the current branch is being written
  const stack: Array<{ taken: boolean; active: boolean }> = [];
  const active = () => stack.every(s => s.active);
  for (const token of tokens) {
    if ('text' in token) {
      out += active() ? token.text : '';
      continue;
    }
    const { action } = token;
    if (action.startsWith('if ')) {
      const enclosing = active();
      const holds = enclosing && decide(action.slice(3));
      stack.push({ taken: holds || !enclosing, active: holds });
    } else if (action.startsWith('else if ')) {
      const top = stack[stack.length - 1];
      const holds = !top.taken && decide(action.slice(8));
      top.active = holds;
      top.taken = top.taken || holds;
    } else if (action === 'else') {
      const top = stack[stack.length - 1];
      top.active = !top.taken;
      top.taken = true;
    } else if (action === 'end') {
      stack.pop();
    } else if (active()) {
      out += action === '"{{"' ? '{{' : expression(action);
    }
  }
  return out;
}
