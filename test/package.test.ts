import * as fs from 'fs';
import * as path from 'path';

// The package is self-contained: what it ships (and the sources it is built from) cites upstream sources (repository +
// path + version, or a URL) and this project's own docs pages, never a file that exists only beside one checkout.
// `npx projen test:consumer` checks the packed tarball itself.

const ROOT = path.join(__dirname, '..');

function filesUnder(dir: string, extension: RegExp): string[] {
  const absolute = path.join(ROOT, dir);
  if (!fs.existsSync(absolute)) {
    return [];
  }
  return fs.readdirSync(absolute, { withFileTypes: true }).flatMap(entry => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      return relative === 'src/imports' ? [] : filesUnder(relative, extension);
    }
    return extension.test(entry.name) ? [relative] : [];
  });
}

/** Paths that exist on no user's machine: the shared folder beside a checkout, the project's notes, absolute workspace paths. */
const OUTSIDE = [
  { pattern: /(^|[^\w.-])(\.\.\/)+(shared|notes)\b/, what: 'a folder beside the checkout' },
  { pattern: /\/work\//, what: 'an absolute workspace path' },
  { pattern: /\b(REFERENCE|STYLE)\.md\b/, what: 'a notes file of the project\'s workspace' },
];

/** Relative paths (`../x`) that leave the repository when resolved from the file that holds them. */
function escapingPaths(file: string, line: string): string[] {
  return [...line.matchAll(/(?:^|[\s'"`(])((?:\.\.\/)+[\w.-][\w./-]*)/g)]
    .map(m => m[1])
    .filter(target => !path.resolve(ROOT, path.dirname(file), target).startsWith(ROOT + path.sep));
}

const SHIPPED_AND_SOURCES = [
  ...filesUnder('src', /\.ts$/), ...filesUnder('docs', /\.md$/), ...filesUnder('examples', /\.ts$/), 'README.md',
];

describe('the package is self-contained', () => {
  test('no file of src/, docs/, examples/ or the README cites a path outside the repository', () => {
    const violations: string[] = [];
    for (const file of SHIPPED_AND_SOURCES) {
      fs.readFileSync(path.join(ROOT, file), 'utf-8').split('\n').forEach((line, i) => {
        for (const { what } of OUTSIDE.filter(o => o.pattern.test(line))) {
          violations.push(`${file}:${i + 1}: ${what}: ${line.trim()}`);
        }
        for (const target of escapingPaths(file, line)) {
          violations.push(`${file}:${i + 1}: '${target}' leaves the repository: ${line.trim()}`);
        }
      });
    }
    // cite upstream repository + path + version, or a URL, or a page of docs/ instead
    expect(violations).toEqual([]);
  });

  test('the check finds what it is for', () => {
    const flagged = (file: string, line: string) => OUTSIDE.some(o => o.pattern.test(line)) || escapingPaths(file, line).length > 0;
    expect(flagged('src/presets/kafka.ts', ' * - /work/notes/engines.md §5 (Kafka)')).toBe(true);
    expect(flagged('docs/mesh-policy.md', 'Sources: ../shared/REFERENCE.md; Istio docs')).toBe(true);
    expect(flagged('docs/rules.md', 'reads `../shared/istio/analyzer-testdata/`')).toBe(true);
    expect(flagged('docs/x.md', 'see ../../../notes.txt')).toBe(true);
    expect(flagged('docs/api/istio.md', 'in [API.md](../../API.md)')).toBe(false);
    expect(flagged('src/presets/postgres-patroni.ts', "target.env('PATRONI_POSTGRESQL_PGPASS', '/tmp/pgpass');")).toBe(false);
    expect(flagged('src/mesh-client.ts', "import { fail } from './private/validation';")).toBe(false);
  });
});

describe('the shipped docs link to what ships', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8')) as { files: string[] };
  const shipped = (file: string) => ['package.json', 'README.md', 'LICENSE'].includes(file) || pkg.files.some(glob => globToRegExp(glob).test(file));
  const docs = ['README.md', ...filesUnder('docs', /\.md$/), 'API.md'];

  test('package.json `files` is an allow-list of the library, its assembly and translations, and the docs', () => {
    expect(pkg.files).toEqual(['lib/**/*.js', 'lib/**/*.d.ts', '.jsii', '.jsii.tabl.json', 'README.md', 'LICENSE', 'API.md', 'docs/**/*.md']);
    expect(shipped('docs/presets/kafka.md')).toBe(true);
    expect(shipped('src/index.ts')).toBe(false);
    expect(shipped('lib/index.js')).toBe(true);
  });

  test('every relative link of the README and docs resolves to a shipped file (and its heading, if any)', () => {
    const dead: string[] = [];
    for (const doc of docs) {
      const text = fs.readFileSync(path.join(ROOT, doc), 'utf-8').replace(/^```[\s\S]*?^```$/gm, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) {
          continue;
        }
        const [file, anchor] = target.split('#');
        const resolved = file === '' ? doc : path.posix.normalize(path.posix.join(path.posix.dirname(doc), file));
        if (!fs.existsSync(path.join(ROOT, resolved)) || fs.statSync(path.join(ROOT, resolved)).isDirectory() || !shipped(resolved)) {
          dead.push(`${doc} -> ${target} (${resolved} is not a shipped file)`);
        } else if (anchor && resolved.endsWith('.md') && !anchors(fs.readFileSync(path.join(ROOT, resolved), 'utf-8')).has(anchor)) {
          dead.push(`${doc} -> ${target} (no heading '#${anchor}' in ${resolved})`);
        }
      }
    }
    expect(dead).toEqual([]);
  });
});

function globToRegExp(glob: string): RegExp {
  const source = glob.split('**/').map(part => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('(?:.*/)?');
  return new RegExp(`^${source}$`);
}

/** GitHub's heading anchors of a markdown page (and explicit `id="..."` anchors, as jsii-docgen writes them). */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#+ (.+)$/gm)) {
    found.add(heading.replace(/<[^>]+>/g, '').trim().toLowerCase().replace(/[^\w\s-]/g, '').replace(/\s/g, '-'));
  }
  for (const [, id] of markdown.matchAll(/ id="([^"]+)"/g)) {
    found.add(id);
  }
  return found;
}
