/**
 * The bench's samples run plain JavaScript: src/ and bench/ transpiled once (node_modules linked), so that no TypeScript
 * compiler sits in a sample's time or memory.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');

/** Transpiles src/ and bench/ into `dir`; returns the path of the sample script there. */
export function transpile(dir: string): string {
  const walk = (from: string): string[] => fs.readdirSync(path.join(ROOT, from), { withFileTypes: true }).flatMap(e =>
    e.isDirectory() ? walk(path.join(from, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path.join(from, e.name)] : []);
  for (const file of [...walk('src'), ...walk('bench')]) {
    const { outputText } = ts.transpileModule(fs.readFileSync(path.join(ROOT, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: file,
    });
    const out = path.join(dir, file.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, outputText);
  }
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return path.join(dir, 'bench', 'sample.js');
}

