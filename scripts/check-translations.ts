/**
 * Checks that every language shows the README's examples in that language (run after `jsii-pacmak --code-only`):
 *
 * - the rosetta tablet (.jsii.tabl.json) holds a Python, Java, C# and Go translation of every TypeScript example;
 * - the generated Python and Go READMEs (.pacmak/) carry one block of their language per TypeScript example, and no
 *   block that still reads as TypeScript. (pacmak writes no README for Java and .NET in code-only mode; their
 *   translations are the tablet's, which their docstrings and Construct-Hub-style renderers use.)
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const TABLET_LANGUAGES = ['python', 'java', 'csharp', 'go'];
const READMES: Array<{ readonly language: string; readonly file: string }> = [
  { language: 'python', file: '.pacmak/python/README.md' },
  { language: 'go', file: '.pacmak/go/cdk8sstatefulmesh/README.md' },
];
// TypeScript that no Python or Go translation contains
const TYPESCRIPT = /^\s*import \{|^\s*(const|let) \w+ = |\bnew [A-Z]\w*\(|=> /m;

function fences(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp(`^\`\`\`${language}\\b[^\\n]*\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map(m => m[1]);
}

const problems: string[] = [];
const examples = fences(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf-8'), 'ts').length;

const tablet = JSON.parse(fs.readFileSync(path.join(ROOT, '.jsii.tabl.json'), 'utf-8')) as {
  snippets: Record<string, { translations: Record<string, { source: string }> }>;
};
const snippets = Object.values(tablet.snippets);
if (snippets.length < examples) {
  problems.push(`.jsii.tabl.json holds ${snippets.length} snippets, the README ${examples} TypeScript examples: run jsii-rosetta extract`);
}
for (const language of TABLET_LANGUAGES) {
  const missing = snippets.filter(s => !s.translations[language]?.source).length;
  if (missing > 0) {
    problems.push(`.jsii.tabl.json: ${missing} snippet(s) without a ${language} translation`);
  }
}

for (const { language, file } of READMES) {
  const readme = fs.readFileSync(path.join(ROOT, file), 'utf-8');
  const blocks = fences(readme, language);
  if (blocks.length !== examples) {
    problems.push(`${file}: ${blocks.length} \`\`\`${language} block(s) for ${examples} TypeScript example(s)`);
  }
  if (fences(readme, 'ts').length + fences(readme, 'typescript').length > 0) {
    problems.push(`${file}: still holds TypeScript blocks`);
  }
  blocks.filter(b => TYPESCRIPT.test(b)).forEach(b => problems.push(`${file}: a \`\`\`${language} block reads as TypeScript:\n${b}`));
}

if (problems.length > 0) {
  console.error(`check-translations:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-translations: ${examples} README examples in ${TABLET_LANGUAGES.join(', ')} (tablet), Python and Go READMEs in their language`);
