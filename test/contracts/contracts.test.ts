import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { ContainerContract, EngineContract } from './contract';
import { MeshAwareDatabase } from '../../src';
import { synth } from '../support/manifests';
import { PRESETS, PresetCase } from '../support/presets';

/** Every contract file of this folder. */
const CONTRACTS: EngineContract[] = fs.readdirSync(__dirname)
  .filter(f => f.endsWith('.contract.ts'))
  .sort()
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  .map(f => require(path.join(__dirname, f)).CONTRACT as EngineContract);

interface Pod {
  readonly manifests: any[];
  readonly sts: any;
  readonly headlessFqdn: string;
  readonly containers: any[];
}

function synthPreset(preset: PresetCase, variant: boolean): Pod {
  const chart = new Chart(Testing.app(), 'contract', { namespace: 'db' });
  new MeshAwareDatabase(chart, 'Db', { name: 'db', replicas: preset.replicas.includes(3) ? 3 : preset.replicas[0], image: preset.image, engine: preset.engine(chart, variant) });
  const manifests = synth(chart); // schema-validated, as every manifest the tests synthesise
  const sts = manifests.find(m => m.kind === 'StatefulSet');
  const pod = sts.spec.template.spec;
  return { manifests, sts, headlessFqdn: `${sts.spec.serviceName}.db.svc.cluster.local`, containers: [...pod.initContainers ?? [], ...pod.containers] };
}

/** Every text of the pod where a variable can be read: commands, args, probes, hooks, env values, mounted ConfigMaps. */
function podTexts(pod: Pod, container: any): string[] {
  const configMaps = new Map(pod.manifests.filter(m => m.kind === 'ConfigMap').map(m => [m.metadata.name, m]));
  const volumes = new Map<string, any>((pod.sts.spec.template.spec.volumes ?? []).map((v: any) => [v.name, v]));
  const mounted = (container.volumeMounts ?? [])
    .map((m: any) => volumes.get(m.name)?.configMap?.name)
    .filter((name: string | undefined) => name !== undefined)
    .flatMap((name: string) => Object.values(configMaps.get(name)?.data ?? {}) as string[]);
  return [
    JSON.stringify(container.command ?? []), JSON.stringify(container.args ?? []),
    JSON.stringify(container.readinessProbe ?? {}), JSON.stringify(container.livenessProbe ?? {}),
    JSON.stringify(container.startupProbe ?? {}), JSON.stringify(container.lifecycle ?? {}),
    ...(container.env ?? []).map((e: any) => e.value ?? ''),
    ...mounted,
  ];
}

/** `$(VAR)` (Kubernetes), `${VAR...}` or `$VAR` (shell) in any of the texts. */
function readsVariable(texts: string[], variable: string): boolean {
  const reference = new RegExp(`\\$\\(${variable}\\)|\\$\\{${variable}(?![A-Za-z0-9_])|\\$${variable}(?![A-Za-z0-9_])`);
  return texts.some(t => reference.test(t));
}

/** The writable mounts of a container: emptyDir and volume claim mounts that are not read-only. */
function writableMounts(pod: Pod, container: any): { path: string; claim: boolean }[] {
  const volumes = new Map<string, any>((pod.sts.spec.template.spec.volumes ?? []).map((v: any) => [v.name, v]));
  const claims = new Set((pod.sts.spec.volumeClaimTemplates ?? []).map((c: any) => c.metadata.name));
  return (container.volumeMounts ?? [])
    .filter((m: any) => !m.readOnly && (claims.has(m.name) || volumes.get(m.name)?.emptyDir !== undefined))
    .map((m: any) => ({ path: m.mountPath, claim: claims.has(m.name) }));
}

/** The innermost mount holding `path` (mounts nest: the deepest one is what the process writes to). */
function innermostMount<T extends { path: string }>(mounts: T[], written: string): T | undefined {
  return mounts
    .filter(m => written === m.path || written.startsWith(`${m.path.replace(/\/$/, '')}/`))
    .sort((a, b) => b.path.length - a.path.length)[0];
}

describe('engine contracts', () => {
  test.each(PRESETS.map(p => [p.id] as const))('%s has a contract', id => {
    expect(CONTRACTS.map(c => c.preset)).toContain(id);
  });

  // (until every preset has a contract, the table may be empty: `.each` refuses an empty table)
  (CONTRACTS.length > 0 ? describe.each(CONTRACTS.map(c => [c.preset, c] as const)) : () => () => undefined)('%s', (_: string, contract: EngineContract) => {
    const preset = PRESETS.find(p => p.id === contract.preset)!;
    const variants = [false, true].map(variant => ({ variant, pod: synthPreset(preset, variant) }));
    const containerOf = (pod: Pod, name: string) => pod.containers.find(c => c.name === name);

    test('every fact names a source the contract lists, every source is cited and names a version', () => {
      const facts = [contract.discovery, ...contract.containers.flatMap(c => [...Object.values(c.reads), ...c.writes, ...c.advertises ?? []])];
      for (const fact of facts) {
        expect({ note: fact.note, source: contract.sources[fact.source] !== undefined }).toEqual({ note: fact.note, source: true });
      }
      const cited = new Set(facts.map(f => f.source));
      for (const [key, source] of Object.entries(contract.sources)) {
        expect({ key, cited: cited.has(key) }).toEqual({ key, cited: true });
        const versioned = 'url' in source ? /^https:\/\//.test(source.url) : source.repo.includes('/') && source.path !== '' && source.ref !== '';
        expect({ key, versioned }).toEqual({ key, versioned: true });
      }
    });

    test('the contract is about the image the preset runs, and covers every container of the pod', () => {
      for (const { pod } of variants) {
        const main = pod.sts.spec.template.spec.containers[0];
        expect(main.image).toBe(contract.image);
        for (const container of pod.containers) {
          expect(contract.containers.map(c => c.name)).toContain(container.name);
        }
      }
    });

    describe.each(contract.containers.map(c => [c.name, c] as const))('container %s', (__, spec: ContainerContract) => {
      test('every env var the preset sets is read by the image, or by the preset\'s own scripts and probes', () => {
        for (const { variant, pod } of variants) {
          const container = containerOf(pod, spec.name);
          if (!container) {
            continue;
          }
          const texts = podTexts(pod, container);
          for (const env of container.env ?? []) {
            const readByImage = spec.reads[env.name] !== undefined;
            const own = spec.ownVars?.[env.name] !== undefined && readsVariable(texts, env.name);
            expect({ variant, variable: env.name, read: readByImage || own }).toEqual({ variant, variable: env.name, read: true });
          }
        }
      });

      test('every variable the image requires is set', () => {
        for (const { variant, pod } of variants) {
          const container = containerOf(pod, spec.name);
          const set = new Set((container?.env ?? []).map((e: any) => e.name));
          for (const variable of spec.requires ?? []) {
            expect({ variant, variable, set: set.has(variable) }).toEqual({ variant, variable, set: true });
          }
        }
      });

      test('every path the image writes at start is on a writable volume (the root filesystem is read-only), its data on the claim', () => {
        for (const { variant, pod } of variants) {
          const container = containerOf(pod, spec.name);
          if (!container) {
            continue;
          }
          expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
          const writable = writableMounts(pod, container);
          for (const { path: written, persistent } of spec.writes) {
            const on = innermostMount(writable, written);
            expect({ variant, written, on: on !== undefined }).toEqual({ variant, written, on: true });
            if (persistent) {
              // data on an emptyDir is lost with the pod, even when a claim is mounted further up the path
              expect({ variant, written, onClaim: on?.claim }).toEqual({ variant, written, onClaim: true });
            }
          }
        }
      });

      test('every advertised address is a pod FQDN on the headless Service', () => {
        for (const { variant, pod } of variants) {
          const container = containerOf(pod, spec.name);
          if (!container) {
            continue;
          }
          const env = new Map((container.env ?? []).map((e: any) => [e.name, e.value]));
          for (const { env: variable, kind, optional } of spec.advertises ?? []) {
            if (optional && !env.has(variable)) {
              continue;
            }
            const value = String(env.get(variable) ?? '');
            if (kind === 'host') {
              expect({ variant, variable, value, own: value.includes(`$(POD_NAME).${pod.headlessFqdn}`) })
                .toEqual({ variant, variable, value, own: true });
            } else {
              const hosts = [...value.matchAll(/([a-z0-9-]+)\.([a-z0-9-]+)\.db\.svc\.cluster\.local/g)];
              expect({ variant, variable, listed: hosts.length }).toEqual({ variant, variable, listed: expect.any(Number) });
              expect(hosts.length).toBeGreaterThan(0);
              for (const [, podName, service] of hosts) {
                expect({ variable, host: `${podName}.${service}` }).toEqual({ variable, host: expect.stringMatching(new RegExp(`^${pod.sts.metadata.name}-\\d+\\.${pod.sts.spec.serviceName}$`)) });
              }
            }
          }
        }
      });

      test('every optional advertised variable is set by some variant of the preset', () => {
        for (const { env: variable } of (spec.advertises ?? []).filter(a => a.optional)) {
          const set = variants.some(({ pod }) => (containerOf(pod, spec.name)?.env ?? []).some((e: any) => e.name === variable));
          expect({ variable, set }).toEqual({ variable, set: true });
        }
      });
    });
  });
});
