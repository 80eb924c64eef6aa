import { Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { MeshAnalyzer, MeshAwareDatabase, MeshClient, MeshMode, MeshTraffic, Severity } from '../../src';
import { expectSchemaValid } from '../support/manifests';
import { PRESETS } from '../support/presets';
import { assertProperty } from '../support/properties';

/**
 * The manifests of every preset (sidecar mode, with a client), and two in ambient mode behind a waypoint: the kinds of
 * object `lint` reads most, with every field the rules and the traffic model look at.
 */
function corpus(): any[] {
  const manifests: any[] = [];
  PRESETS.forEach((preset, i) => {
    const ambient = i < 2;
    const chart = new Chart(Testing.app(), 'corpus', { namespace: `ns-${i}` });
    const db = new MeshAwareDatabase(chart, 'Db', {
      replicas: preset.replicas.includes(3) ? 3 : preset.replicas[0],
      image: preset.image,
      engine: preset.engine(chart, false),
      meshMode: ambient ? MeshMode.ambient({ waypoint: 'waypoint' }) : MeshMode.sidecar(),
    });
    db.allowFrom(MeshClient.serviceAccount('app', 'clients'));
    manifests.push(...Testing.synth(chart));
  });
  return manifests;
}

/** What a broken or unusual manifest puts where a field was: nothing, the wrong type, an empty or odd value. */
const VALUES = [null, 'x', '', '*', 0, -1, 99999, 1.5, true, [], {}, [null], [1, 'a'], { a: null }, 'a/b/c', '10.0.0.0/8'];

/** Every path of an object's fields, in a stable order. */
function paths(value: any, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      out.push([...prefix, key]);
      paths(value[key], [...prefix, key], out);
    }
  }
  return out;
}

/** An edit: a kind (any kind of the corpus is as likely as another), an object of it, one of its fields, a new value. */
const mutations = fc.array(fc.record({ kind: fc.nat(), object: fc.nat(), path: fc.nat(), value: fc.constantFrom(...VALUES) }),
  { minLength: 1, maxLength: 12 });

/** Replaces the field at `path` of `object` with a copy of `value`. */
function replace(object: any, path: Array<string | number>, value: unknown): void {
  let parent = object;
  path.slice(0, -1).forEach(step => { parent = parent[step]; });
  parent[path[path.length - 1]] = structuredClone(value);
}

/** The findings and the traffic graph of manifests, checked well-formed: what must come back, whatever the input. */
function expectAnswers(manifests: any[]): void {
  for (const f of MeshAnalyzer.analyze(manifests)) {
    expect(Object.values(Severity)).toContain(f.severity);
    expect(f.message).not.toBe('');
  }
  expect(Array.isArray(MeshTraffic.analyze(manifests, { includeUnintended: true }))).toBe(true);
}

describe('property: the analyzer on broken manifests', () => {
  const base = corpus();

  test('the corpus holds the objects the rules and the traffic model read, schema-valid before any edit', () => {
    expectSchemaValid(base);
    const kinds = new Set(base.map(m => m.kind));
    for (const kind of ['StatefulSet', 'Service', 'PeerAuthentication', 'AuthorizationPolicy', 'DestinationRule', 'NetworkPolicy']) {
      expect({ kind, present: kinds.has(kind) }).toEqual({ kind, present: true });
    }
  });

  // a manifest the API server would refuse (a rule that is not an object, a port that is a list) is still analysed:
  // one bad object must not abort `lint` for every other
  test('any field replaced by a value of another type: the analyzer and the traffic model answer, and never throw', () => {
    const kinds = [...new Set(base.map(m => m.kind))].sort();
    assertProperty(fc.property(mutations, edits => {
      const manifests = structuredClone(base);
      for (const edit of edits) {
        const ofKind = manifests.filter(m => m?.kind === kinds[edit.kind % kinds.length]);
        const object = ofKind.length > 0 ? ofKind[edit.object % ofKind.length] : manifests[edit.object % manifests.length];
        const fields = paths(object);
        if (fields.length > 0) {
          replace(object, fields[edit.path % fields.length], edit.value);
        }
      }
      expectAnswers(manifests);
    }));
  });

  // exhaustive where the traffic model reads deepest (the analyzer once threw on an AuthorizationPolicy's `rules: [null]`)
  test.each([['sidecar', 'ns-2'], ['ambient, behind a waypoint', 'ns-0']])(
    'every field of every policy of a database (%s), replaced by each value in turn: the analyzer and the traffic model answer', (_, ns) => {
      const POLICIES = ['AuthorizationPolicy', 'PeerAuthentication', 'DestinationRule', 'NetworkPolicy', 'Gateway'];
      const database = base.filter(m => m.metadata?.namespace === ns);
      let cases = 0;
      database.forEach((object, index) => {
        if (!POLICIES.includes(object.kind)) {
          return;
        }
        for (const path of paths(object)) {
          for (const value of VALUES) {
            const manifests = structuredClone(database);
            replace(manifests[index], path, value);
            expectAnswers(manifests);
            cases++;
          }
        }
      });
      expect(cases).toBeGreaterThan(500);
    });
});
