import { Yaml } from 'cdk8s';
import { ValueLeaf } from './values-model';

/**
 * The chart's own files around the templates: `Chart.yaml`, `values.yaml` (the defaults, commented),
 * `values.schema.json` (their types) and `templates/_helpers.tpl`, `templates/NOTES.txt`. Not exported from the package.
 */

/**
 * When cdk8s writes a string as a double-quoted YAML scalar rather than a plain one (cdk8s `Yaml.stringify`: the `yaml`
 * library with the YAML 1.1 schema, `yaml` 2.8 `stringify/stringifyString.js` `plainString()`): when a plain scalar would
 * read as another type (null, a YAML 1.1 boolean, integer, float, sexagesimal number or timestamp;
 * `yaml` `schema/yaml-1.1/*.js`, `schema/common/null.js`), or when it starts with an indicator or holds `: `, ` #` or
 * ends with a space or `:`. Written for Go's RE2 and ECMAScript alike: the chart's scalar helper applies it.
 */
export const QUOTED_SCALAR_PATTERN = '^(?:' + [
  '(?:~|[Nn]ull|NULL)?',
  'Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON|N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF',
  '[-+]?\\.(?:inf|Inf|INF)|\\.nan|\\.NaN|\\.NAN',
  '[-+]?(?:[0-9][0-9_]*)?(?:\\.[0-9_]*)?[eE][-+]?[0-9]+',
  '[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*',
  '[-+]?0b[0-1_]+', '[-+]?0[0-7_]+', '[-+]?[0-9][0-9_]*', '[-+]?0x[0-9a-fA-F_]+',
  '[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+', '[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*',
  '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:t|T|[ \\t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\\.[0-9]+)?(?:[ \\t]*(?:Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?',
].join('|') + ')$'
  + '|^[\\n\\t ,\\[\\]{}#&*!|>\'"%@`]|^[?-]$|^[?-][ \\t]|[\\n:][ \\t]|[ \\t]\\n|[\\n\\t ]#|[\\n\\t :]$';

/** `Chart.yaml`. */
export function chartYaml(meta: { name: string; version: string; appVersion: string; description: string; kubeVersion?: string }): string {
  // cdk8s' own YAML writer (YAML 1.1 quoting, which Helm's YAML reader shares)
  return Yaml.stringify({
    apiVersion: 'v2',
    name: meta.name,
    description: meta.description,
    type: 'application',
    version: meta.version,
    appVersion: meta.appVersion,
    ...meta.kubeVersion ? { kubeVersion: meta.kubeVersion } : {},
  });
}

interface Tree {
  readonly children: Map<string, Tree>;
  leaf?: ValueLeaf;
}

function tree(leaves: readonly ValueLeaf[]): Tree {
  const root: Tree = { children: new Map() };
  for (const leaf of leaves) {
    let node = root;
    leaf.path.forEach((segment, i) => {
      let child = node.children.get(segment);
      if (!child) {
        child = { children: new Map() };
        node.children.set(segment, child);
      }
      if (i === leaf.path.length - 1) {
        if (child.leaf || child.children.size > 0) {
          throw new Error(`HelmChart: value ${leaf.path.join('.')} is declared twice, or inside another value; give it its own key`);
        }
        child.leaf = leaf;
      } else if (child.leaf) {
        throw new Error(`HelmChart: value ${leaf.path.join('.')} is inside the value ${leaf.path.slice(0, i + 1).join('.')}; give it its own key`);
      }
      node = child;
    });
  }
  return root;
}

/** `values.yaml`: the defaults, each with its comment; `blocks` are comments above top-level keys. */
export function valuesYaml(header: string[], leaves: readonly ValueLeaf[], blocks: ReadonlyMap<string, string[]>): string {
  const lines = header.map(l => `# ${l}`.trimEnd());
  const write = (node: Tree, indent: string) => {
    for (const [key, child] of node.children) {
      const comment = indent === '' ? blocks.get(key) ?? [] : child.leaf?.comment ?? [];
      if (indent === '') {
        lines.push('');
      }
      lines.push(...comment.map(c => `${indent}# ${c}`.trimEnd()));
      if (child.leaf) {
        lines.push(`${indent}${key}: ${Yaml.stringify(child.leaf.defaultValue).trimEnd()}`);
      } else {
        lines.push(`${indent}${key}:`);
        write(child, `${indent}  `);
      }
    }
  };
  write(tree(leaves), '');
  return `${lines.join('\n')}\n`;
}

/** `values.schema.json` (draft-07, which Helm validates values with: helm/helm `pkg/chartutil/jsonschema.go`). */
export function valuesSchema(title: string, leaves: readonly ValueLeaf[]): string {
  const schemaOf = (node: Tree, root: boolean): Record<string, unknown> => {
    if (node.leaf) {
      return node.leaf.schema;
    }
    const properties: Record<string, unknown> = {};
    for (const [key, child] of node.children) {
      properties[key] = schemaOf(child, false);
    }
    return {
      type: 'object',
      // Helm gives every chart a `global` table (shared with subcharts)
      properties: root ? { ...properties, global: { type: 'object' } } : properties,
      required: [...node.children.keys()],
      additionalProperties: false,
    };
  };
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', title, ...schemaOf(tree(leaves), true) }, undefined, 2)}\n`;
}

/** `templates/_helpers.tpl`. */
export function helpersTpl(chartName: string, validations: ReadonlyArray<{ condition: string; message: string }>): string {
  const lines = [
    '{{/*',
    'The release namespace as a whole YAML scalar, as cdk8s writes it (see "' + chartName + '.scalar").',
    '*/}}',
    `{{- define "${chartName}.namespace" -}}`,
    `{{- include "${chartName}.scalar" .Release.Namespace -}}`,
    '{{- end -}}',
    '',
    '{{/*',
    'A string as cdk8s writes it as a whole YAML scalar: double-quoted where a plain scalar would read as another type',
    '(YAML 1.1: null, a boolean, a number, a date) or could not be plain, plain otherwise; the manifests then render',
    'exactly as `cdk8s synth` writes them with the same values.',
    '*/}}',
    `{{- define "${chartName}.scalar" -}}`,
    `{{- if regexMatch ${JSON.stringify(QUOTED_SCALAR_PATTERN)} . -}}`,
    '{{- quote . -}}',
    '{{- else -}}',
    '{{- . -}}',
    '{{- end -}}',
    '{{- end -}}',
    '',
    '{{/*',
    'Fails on a value outside the allowed ones, also when the schema is skipped (helm install --skip-schema-validation):',
    'the templates hold a branch for each allowed value only.',
    '*/}}',
    `{{- define "${chartName}.validateValues" -}}`,
    ...validations.map(v => `{{- if not (${v.condition}) }}{{ fail ${JSON.stringify(v.message)} }}{{ end }}`),
    '{{- end -}}',
  ];
  return `${lines.join('\n')}\n`;
}

/** `templates/NOTES.txt`: printed by `helm install`; it also validates the values (as Bitnami charts do). */
export function notesTxt(chartName: string, namespaceLabels: Record<string, string>, pinned: string[]): string {
  const labels = Object.entries(namespaceLabels);
  const lines = [
    `{{- include "${chartName}.validateValues" . -}}`,
    `${chartName} {{ .Chart.Version }} is installed in namespace {{ .Release.Namespace }}.`,
  ];
  if (labels.length > 0) {
    lines.push('',
      'The chart does not create the release namespace (Helm installs into it, `helm install --create-namespace` creates it).',
      'The app labels it, and the mesh reads those labels; label it so:',
      `  kubectl label namespace {{ .Release.Namespace }} ${labels.map(([k, v]) => `${k}=${v}`).join(' ')} --overwrite`);
  }
  if (pinned.length > 0) {
    lines.push('', `Objects in namespaces the app pins (they do not follow the release): ${pinned.join(', ')}.`);
  }
  return `${lines.join('\n')}\n`;
}
