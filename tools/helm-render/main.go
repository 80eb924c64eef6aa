// helm-render renders a Helm chart the way `helm template` does, for the tests of cdk8s-stateful-mesh: Helm itself
// cannot be installed where they run, but its template engine is Go's text/template with the sprig v3 functions and a
// few of Helm's own, which this program puts together from Debian's packages (golang-go,
// golang-github-masterminds-sprig-dev, golang-k8s-sigs-yaml-dev, golang-github-xeipuuv-gojsonschema-dev).
//
// Build (offline, GOPATH mode): GOPATH=/usr/share/gocode GO111MODULE=off go build -o helm-render ./tools/helm-render
//
// Usage:
//
//	helm-render --chart DIR [--namespace NS] [--release NAME] [-f values.yaml]... [--set a.b=v]... [--set-string a.b=v]... [--format json|helm]
//
// What it does, following Helm 3 (helm/helm, the files named below):
//   - values: the chart's values.yaml, then each -f file, then --set and --set-string, each merged over the previous
//     (tables merged key by key, a null removes the key: pkg/chartutil/coalesce.go); --set types its values as Helm's
//     strvals parser does (true/false, null, integers without a leading zero as int64, anything else a string:
//     pkg/strvals/parser.go typedVal); --set-string keeps them strings;
//   - the values are validated against values.schema.json with gojsonschema, the library Helm 3 validates with, and a
//     failure is reported as Helm reports it (pkg/chartutil/jsonschema.go, pkg/engine/engine.go);
//   - templates/: every file is parsed into one template set, named "<chart>/templates/<file>"; files whose name
//     starts with "_" are not rendered; NOTES.txt is rendered apart (pkg/engine/engine.go);
//   - the functions: sprig's text functions without env and expandenv, and Helm's toYaml, fromYaml, fromYamlArray,
//     toJson, fromJson, fromJsonArray, include, tpl, required, lookup (empty, as `helm template` gives it without a
//     cluster) (pkg/engine/funcs.go, pkg/engine/engine.go); toToml is not provided;
//   - execution with missingkey=zero, and "<no value>" removed from the output (pkg/engine/engine.go);
//   - the objects: .Values, .Release (Name, Namespace, Service "Helm", IsInstall, IsUpgrade, Revision),
//     .Chart (Chart.yaml with Helm's field names: Name, Version, AppVersion, APIVersion, ...), .Capabilities
//     (KubeVersion, APIVersions.Has), .Template (Name, BasePath).
//
// Output: --format json (the default) prints {"manifests": {"<chart>/templates/<file>": "<text>"}, "notes": "<text>"};
// --format helm prints each non-empty manifest as `helm template` does ("---\n# Source: <name>\n<text>"), in name order.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"github.com/xeipuuv/gojsonschema"
	"sigs.k8s.io/yaml"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

type setting struct {
	expr     string
	asString bool
}

func main() {
	chartDir := flag.String("chart", "", "the chart directory")
	namespace := flag.String("namespace", "default", "the release namespace")
	release := flag.String("release", "release-name", "the release name")
	format := flag.String("format", "json", "json or helm")
	var files list
	var settings []setting
	flag.Var(&files, "f", "a values file (repeatable)")
	flag.Func("set", "a.b=value (repeatable)", func(v string) error { settings = append(settings, setting{v, false}); return nil })
	flag.Func("set-string", "a.b=value, kept a string (repeatable)", func(v string) error { settings = append(settings, setting{v, true}); return nil })
	flag.Parse()
	if *chartDir == "" {
		fail(errors.New("--chart is required"))
	}
	out, err := render(*chartDir, *namespace, *release, files, settings)
	if err != nil {
		fail(err)
	}
	switch *format {
	case "json":
		data, err := json.Marshal(out)
		if err != nil {
			fail(err)
		}
		os.Stdout.Write(append(data, '\n'))
	case "helm":
		names := make([]string, 0, len(out.Manifests))
		for name := range out.Manifests {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if strings.TrimSpace(out.Manifests[name]) == "" {
				continue
			}
			fmt.Printf("---\n# Source: %s\n%s", name, out.Manifests[name])
		}
	default:
		fail(fmt.Errorf("--format %q: use json or helm", *format))
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "Error: %s\n", err)
	os.Exit(1)
}

type output struct {
	Manifests map[string]string `json:"manifests"`
	Notes     string            `json:"notes"`
}

func readYAML(file string) (map[string]interface{}, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	values := map[string]interface{}{}
	if err := yaml.Unmarshal(data, &values); err != nil {
		return nil, fmt.Errorf("cannot parse %s: %w", file, err)
	}
	return values, nil
}

func render(chartDir, namespace, release string, files []string, settings []setting) (*output, error) {
	meta, err := readYAML(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	name, _ := meta["name"].(string)
	if name == "" {
		return nil, errors.New("Chart.yaml has no name")
	}
	values, err := readYAML(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		return nil, err
	}
	for _, file := range files {
		given, err := readYAML(file)
		if err != nil {
			return nil, err
		}
		values = coalesce(values, given)
	}
	for _, s := range settings {
		given, err := parseSet(s.expr, s.asString)
		if err != nil {
			return nil, err
		}
		values = coalesce(values, given)
	}
	if schema, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json")); err == nil {
		if problems := validate(values, schema); problems != "" {
			return nil, fmt.Errorf("values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n%s", name, problems)
		}
	}

	sources := map[string]string{}
	err = filepath.Walk(filepath.Join(chartDir, "templates"), func(file string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(chartDir, file)
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		sources[path.Join(name, filepath.ToSlash(rel))] = string(data)
		return nil
	})
	if err != nil {
		return nil, err
	}

	top := map[string]interface{}{
		"Values":  values,
		"Release": map[string]interface{}{"Name": release, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
		"Chart":   chartObject(meta),
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": "v1.31.0", "Major": "1", "Minor": "31", "GitVersion": "v1.31.0"},
			"APIVersions": versionSet{"v1", "apps/v1", "policy/v1", "rbac.authorization.k8s.io/v1", "networking.k8s.io/v1",
				"networking.istio.io/v1", "security.istio.io/v1", "gateway.networking.k8s.io/v1"},
		},
	}

	t := template.New("gotpl").Option("missingkey=zero")
	t.Funcs(funcs(t))
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := t.New(n).Parse(sources[n]); err != nil {
			return nil, fmt.Errorf("parse error in %s: %w", n, err)
		}
	}
	out := &output{Manifests: map[string]string{}}
	for _, n := range names {
		if strings.HasPrefix(path.Base(n), "_") {
			continue
		}
		scope := map[string]interface{}{}
		for k, v := range top {
			scope[k] = v
		}
		scope["Template"] = map[string]interface{}{"Name": n, "BasePath": path.Join(name, "templates")}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, n, scope); err != nil {
			return nil, fmt.Errorf("execution error in %s: %w", n, err)
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if path.Base(n) == "NOTES.txt" {
			out.Notes = text
		} else {
			out.Manifests[n] = text
		}
	}
	return out, nil
}

// versionSet is .Capabilities.APIVersions, with Helm's Has method.
type versionSet []string

func (v versionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// chartObject is .Chart: Chart.yaml with the field names of Helm's chart.Metadata (apiVersion → APIVersion).
func chartObject(meta map[string]interface{}) map[string]interface{} {
	object := map[string]interface{}{}
	for k, v := range meta {
		switch k {
		case "apiVersion":
			object["APIVersion"] = v
		default:
			object[strings.ToUpper(k[:1])+k[1:]] = v
		}
	}
	return object
}

func funcs(t *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = func(v interface{}) string {
		data, err := yaml.Marshal(v)
		if err != nil {
			return ""
		}
		return strings.TrimSuffix(string(data), "\n")
	}
	f["mustToYaml"] = func(v interface{}) (string, error) {
		data, err := yaml.Marshal(v)
		return strings.TrimSuffix(string(data), "\n"), err
	}
	f["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["fromYamlArray"] = func(s string) []interface{} {
		a := []interface{}{}
		if err := yaml.Unmarshal([]byte(s), &a); err != nil {
			a = []interface{}{err.Error()}
		}
		return a
	}
	f["toJson"] = func(v interface{}) string {
		data, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(data)
	}
	f["mustToJson"] = func(v interface{}) (string, error) {
		data, err := json.Marshal(v)
		return string(data), err
	}
	f["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["fromJsonArray"] = func(s string) []interface{} {
		a := []interface{}{}
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			a = []interface{}{err.Error()}
		}
		return a
	}
	depth := map[string]int{}
	f["include"] = func(name string, data interface{}) (string, error) {
		if depth[name] > 1000 {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		depth[name]++
		defer func() { depth[name]-- }()
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	f["tpl"] = func(text string, data interface{}) (string, error) {
		clone, err := t.Clone()
		if err != nil {
			return "", err
		}
		parsed, err := clone.New("tpl").Parse(text)
		if err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		var buf strings.Builder
		if err := parsed.Execute(&buf, data); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	f["required"] = func(message string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(message)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(message)
		}
		return v, nil
	}
	f["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	return f
}

// coalesce merges `given` over `base` as Helm merges values: tables key by key, a null removes the key.
func coalesce(base, given map[string]interface{}) map[string]interface{} {
	result := map[string]interface{}{}
	for k, v := range base {
		result[k] = v
	}
	for k, v := range given {
		if v == nil {
			delete(result, k)
			continue
		}
		baseTable, baseIsTable := result[k].(map[string]interface{})
		givenTable, givenIsTable := v.(map[string]interface{})
		if baseIsTable && givenIsTable {
			result[k] = coalesce(baseTable, givenTable)
		} else {
			result[k] = v
		}
	}
	return result
}

// parseSet reads `a.b=v,c=w` into nested tables (dots nest, a backslash escapes a dot or comma).
func parseSet(expr string, asString bool) (map[string]interface{}, error) {
	result := map[string]interface{}{}
	for _, assignment := range splitUnescaped(expr, ',') {
		eq := strings.Index(assignment, "=")
		if eq < 0 {
			return nil, fmt.Errorf("key %q has no value", assignment)
		}
		keys := splitUnescaped(assignment[:eq], '.')
		raw := unescape(assignment[eq+1:])
		node := result
		for i, key := range keys {
			key = unescape(key)
			if i == len(keys)-1 {
				node[key] = typedValue(raw, asString)
				break
			}
			child, ok := node[key].(map[string]interface{})
			if !ok {
				child = map[string]interface{}{}
				node[key] = child
			}
			node = child
		}
	}
	return result, nil
}

func splitUnescaped(s string, sep byte) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == sep {
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// typedValue types a --set value as Helm's strvals parser does.
func typedValue(v string, asString bool) interface{} {
	if asString {
		return v
	}
	switch {
	case strings.EqualFold(v, "true"):
		return true
	case strings.EqualFold(v, "false"):
		return false
	case strings.EqualFold(v, "null"):
		return nil
	case v == "0":
		return int64(0)
	}
	if len(v) > 0 && v[0] != '0' {
		if i, err := strconv.ParseInt(v, 10, 64); err == nil {
			return i
		}
	}
	return v
}

// validate checks values against the schema as Helm does: through JSON, one "- <error>" line per problem.
func validate(values map[string]interface{}, schema []byte) string {
	data, err := json.Marshal(values)
	if err != nil {
		return fmt.Sprintf("- %s\n", err)
	}
	result, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewBytesLoader(data))
	if err != nil {
		return fmt.Sprintf("- unable to validate schema: %s\n", err)
	}
	var b strings.Builder
	for _, e := range result.Errors() {
		fmt.Fprintf(&b, "- %s\n", e)
	}
	return b.String()
}
