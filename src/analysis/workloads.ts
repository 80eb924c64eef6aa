import { engineOf } from './engine-ports';
import { Severity } from './finding';
import { Inventory, ServiceInfo, Workload } from './inventory';
import { isIstioControlPlane } from './mesh-state';
import { asArray, commandWords, isObject } from './objects';
import { defineRule, Rule } from './rule';
import { forwardEnvReferences } from '../private/env';
import { EXCLUDE_OUTBOUND_PORTS_ANNOTATION, ISTIO_PROXY_UID, NATIVE_SIDECAR_ANNOTATION } from '../private/istio-constants';
import { MAX_STATEFUL_SET_NAME } from '../private/validation';

/** Containers Istio injects itself; the validation init container runs as the proxy UID on purpose. */
const ISTIO_CONTAINERS: ReadonlyArray<string> = ['istio-proxy', 'istio-init', 'istio-validation', 'istio-operator'];

function statefulSets(inv: Inventory): Workload[] {
  return inv.workloads.filter(w => w.object.kind === 'StatefulSet');
}

function labelsText(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k}=${v}`).join(',');
}

function selects(service: ServiceInfo, workload: Workload): boolean {
  const selector = Object.entries(service.selector ?? {});
  return selector.length > 0 && selector.every(([k, v]) => workload.podLabels[k] === v);
}

export const PROXY_UID = defineRule({
  code: 'SM201',
  severity: Severity.ERROR,
  istioCode: 'IST0144',
  title: 'application runs as UID 1337',
  description: `UID ${ISTIO_PROXY_UID} is the Istio proxy's: traffic of a process running as it is not captured by the sidecar `
    + '(no mTLS, no policy). Checked on pod and container security contexts; the control plane and pods proven outside the mesh are skipped.',
  check(inv, report) {
    for (const workload of inv.workloads) {
      if (isIstioControlPlane(workload.object) || workload.mesh === 'none') {
        continue;
      }
      const offenders: Array<{ readonly what: string; readonly path: string }> = [];
      const specPath = workload.templatePath === '' ? 'spec' : `${workload.templatePath}.spec`;
      if (workload.podSpec.securityContext?.runAsUser === ISTIO_PROXY_UID) {
        offenders.push({ what: 'the pod security context', path: `${specPath}.securityContext.runAsUser` });
      }
      for (const ref of workload.containers) {
        if (!ISTIO_CONTAINERS.includes(ref.container.name) && ref.container.securityContext?.runAsUser === ISTIO_PROXY_UID) {
          offenders.push({ what: `${ref.init ? 'init container' : 'container'} '${ref.container.name}'`, path: `${ref.path}.securityContext.runAsUser` });
        }
      }
      if (offenders.length > 0) {
        report(workload.object, `${offenders.map(o => o.what).join(' and ')} ${offenders.length === 1 ? 'sets' : 'set'} runAsUser ${ISTIO_PROXY_UID}, the UID of the Istio proxy, `
          + 'so the traffic bypasses the sidecar; run the application as another UID', offenders[0].path);
      }
    }
  },
});

/**
 * What shows that a StatefulSet's pods rely on their DNS names: an env value or argument built on the pod's own name
 * (`$(POD_NAME).<service>...`, `$(HOSTNAME).`, `hostname -f`), another object's env naming one of its pods
 * (`<sts>-0.<service>`), or a clustered engine whose members find each other by address. Undefined without evidence:
 * a StatefulSet used only for its stable storage needs no DNS names.
 */
function podNamesNeeded(inv: Inventory, workload: Workload): string | undefined {
  for (const ref of workload.containers) {
    const env = asArray(ref.container.env).filter(isObject);
    const nameVars = env.filter(e => e.valueFrom?.fieldRef?.fieldPath === 'metadata.name').map(e => String(e.name));
    const texts = [...env.filter(e => typeof e.value === 'string').map(e => `${e.name}=${e.value}`),
      ...commandWords(ref.container)];
    for (const text of texts) {
      if (nameVars.some(v => text.includes(`$(${v}).`)) || /\$\(HOSTNAME\)\.|\$\{?HOSTNAME\}?\.|hostname -f|hostname --fqdn/.test(text)) {
        return `container '${ref.container.name}' builds an address on the pod name (${text.length > 60 ? `${text.slice(0, 60)}...` : text})`;
      }
    }
    const engine = engineOf(ref.container);
    if (engine) {
      return `container '${ref.container.name}' runs ${engine.engine}, whose members reach each other by address`;
    }
  }
  const podName = new RegExp(`(^|[^-a-z0-9.])${workload.object.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+\\.`);
  for (const other of inv.workloads) {
    for (const ref of other.containers) {
      const e = asArray(ref.container.env).find(v => isObject(v) && typeof v.value === 'string' && podName.test(v.value));
      if (e) {
        return `${other.object.kind} '${other.object.name}' env ${e.name} names its pods ('${e.value}')`;
      }
    }
  }
  return undefined;
}

export const STATEFUL_SET_WITHOUT_SERVICE_NAME = defineRule({
  code: 'SM202',
  severity: Severity.WARNING,
  title: 'StatefulSet without serviceName',
  description: 'Without `spec.serviceName` naming a headless Service, the pods get no stable DNS names '
    + '(`<pod>.<service>.<namespace>.svc.<clusterDomain>`). Reported when the pods rely on them: an address built on the pod\'s '
    + 'name, another workload naming one of its pods, or a clustered engine (see SM109); a StatefulSet used only for its storage is left alone.',
  check(inv, report) {
    for (const workload of statefulSets(inv)) {
      const serviceName = workload.object.body.spec?.serviceName;
      const needed = typeof serviceName !== 'string' || serviceName === '' ? podNamesNeeded(inv, workload) : undefined;
      if (needed) {
        report(workload.object, `has no spec.serviceName, so its pods get no stable DNS names, yet ${needed}; set serviceName to a headless Service `
          + `that selects the pods, e.g. '${workload.object.name}-headless'`, 'spec.serviceName');
      }
    }
  },
});

export const SERVICE_NAME_NOT_HEADLESS = defineRule({
  code: 'SM203',
  severity: Severity.ERROR,
  title: 'StatefulSet serviceName names a Service that is not headless',
  description: 'Pod DNS records (`<pod>.<serviceName>...`) exist only under a headless Service (`clusterIP: None`). '
    + 'Checked when the Service is among the manifests and the pods rely on their names (as for SM202).',
  check(inv, report) {
    for (const workload of statefulSets(inv)) {
      const serviceName = workload.object.body.spec?.serviceName;
      const service = typeof serviceName === 'string' ? inv.service(workload.object.namespace, serviceName) : undefined;
      const needed = service && !service.headless ? podNamesNeeded(inv, workload) : undefined;
      if (needed) {
        report(workload.object, `spec.serviceName '${serviceName}' names a Service that is not headless (clusterIP: ${service!.object.body.spec?.clusterIP ?? 'unset'}), `
          + `so the pods get no per-pod DNS names, yet ${needed}; point serviceName at a headless Service (clusterIP: None) that selects the pods, `
          + 'and keep this one for load-balanced clients', 'spec.serviceName');
      }
    }
  },
});

export const SERVICE_NAME_NOT_SELECTING = defineRule({
  code: 'SM204',
  severity: Severity.ERROR,
  title: 'StatefulSet serviceName Service does not select its pods',
  description: 'The headless Service named by `spec.serviceName` publishes pod DNS records only for the pods it selects. '
    + 'Checked when the Service is among the manifests and the pods rely on their names (as for SM202).',
  check(inv, report) {
    for (const workload of statefulSets(inv)) {
      const serviceName = workload.object.body.spec?.serviceName;
      const service = typeof serviceName === 'string' ? inv.service(workload.object.namespace, serviceName) : undefined;
      const needed = service && service.headless && !selects(service, workload) ? podNamesNeeded(inv, workload) : undefined;
      if (needed) {
        report(workload.object, `spec.serviceName '${serviceName}' names a headless Service whose selector (${labelsText(service!.selector ?? {})}) `
          + `does not match the pod labels (${labelsText(workload.podLabels)}), so no DNS records are published for the pods, yet ${needed}; `
          + 'make the Service select the pod template\'s labels', 'spec.serviceName');
      }
    }
  },
});

export const STATEFUL_SET_NAME_TOO_LONG = defineRule({
  code: 'SM205',
  severity: Severity.ERROR,
  title: `StatefulSet name longer than ${MAX_STATEFUL_SET_NAME}`,
  description: `Kubernetes creates no pods for a StatefulSet whose name is longer than ${MAX_STATEFUL_SET_NAME} characters: the `
    + '`controller-revision-hash` label `<name>-<10 chars>` overflows 63 (kubernetes/kubernetes#64023).',
  check(inv, report) {
    for (const workload of statefulSets(inv)) {
      const name = workload.object.name;
      if (name.length > MAX_STATEFUL_SET_NAME) {
        report(workload.object, `name '${name}' is ${name.length} characters long; Kubernetes creates no pods for a StatefulSet name longer than `
          + `${MAX_STATEFUL_SET_NAME} (the controller-revision-hash label overflows 63); shorten it to at most ${MAX_STATEFUL_SET_NAME}`, 'metadata.name');
      }
    }
  },
});

export const POD_DNS_NAME_TOO_LONG = defineRule({
  code: 'SM206',
  severity: Severity.ERROR,
  title: 'pod DNS label longer than 63 or FQDN longer than 253',
  description: 'A pod\'s host name (`<statefulset>-<ordinal>`, or `spec.hostname`/the pod name under `spec.subdomain`) is a DNS label '
    + 'of at most 63 characters, and its FQDN at most 253.',
  check(inv, report) {
    for (const workload of inv.workloads) {
      const spec = workload.object.body.spec ?? {};
      let host: string | undefined;
      let subdomain: string | undefined;
      if (workload.object.kind === 'StatefulSet') {
        if (workload.object.name.length > MAX_STATEFUL_SET_NAME) {
          continue; // SM205: there are no pods at all
        }
        const start = typeof spec.ordinals?.start === 'number' ? spec.ordinals.start : 0;
        const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
        host = `${workload.object.name}-${start + Math.max(replicas, 1) - 1}`;
        subdomain = typeof spec.serviceName === 'string' && spec.serviceName !== '' ? spec.serviceName : undefined;
      } else if (workload.object.kind === 'Pod' && typeof workload.podSpec.subdomain === 'string') {
        host = typeof workload.podSpec.hostname === 'string' ? workload.podSpec.hostname : workload.object.name;
        subdomain = workload.podSpec.subdomain;
      }
      if (host === undefined) {
        continue;
      }
      if (host.length > 63) {
        report(workload.object, `pod host name '${host}' is ${host.length} characters long, more than the 63 of a DNS label, so the pod `
          + 'gets no DNS name; shorten the name', 'metadata.name');
      } else if (subdomain !== undefined) {
        const fqdn = `${host}.${subdomain}.${workload.object.namespace}.svc.${inv.clusterDomain}`;
        if (fqdn.length > 253) {
          report(workload.object, `pod DNS name '${fqdn}' is ${fqdn.length} characters long, more than the 253 of a DNS name; `
            + 'shorten the name, the headless Service name or the namespace', 'metadata.name');
        }
      }
    }
  },
});

export const ENV_USED_BEFORE_DEFINED = defineRule({
  code: 'SM207',
  severity: Severity.ERROR,
  title: 'env `$(VAR)` used before it is defined',
  description: 'Kubernetes expands `$(VAR)` in an env value only when VAR is defined earlier in the same container; otherwise the '
    + 'literal text `$(VAR)` ends up in the value (a per-pod address like `$(POD_NAME).db-headless...` breaks).',
  check(inv, report) {
    for (const workload of inv.workloads) {
      for (const ref of workload.containers) {
        const vars = asArray(ref.container.env).filter(isObject)
          .map(e => ({ name: String(e.name ?? ''), value: typeof e.value === 'string' ? e.value : undefined }));
        for (const found of forwardEnvReferences(vars)) {
          report(workload.object, `container '${ref.container.name}' env ${found.variable} uses $(${found.referenced}) but ${found.referenced} `
            + `is defined after it, so Kubernetes keeps the literal text '$(${found.referenced})'; define ${found.referenced} first`,
          `${ref.path}.env[${found.index}]`);
        }
      }
    }
  },
});

/** `$(POD)` or `<sts>-<n>`, then `.<service>.<namespace>.svc`, not preceded by a label character or a dot. */
const FQDN_ADDRESS = /(?<![-a-z0-9.$)])(\$\([A-Za-z_][A-Za-z0-9_]*\)|[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.([a-z](?:[-a-z0-9]*[a-z0-9])?)\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.svc(?![-a-z0-9])/g;
/** `$(POD).<service>` or `$(POD).<service>.<namespace>`, ending there (a short name resolved through the search path). */
const SHORT_ADDRESS = /\$\(([A-Za-z_][A-Za-z0-9_]*)\)\.([a-z](?:[-a-z0-9]*[a-z0-9])?)(?:\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?))?(?![-a-z0-9.])/g;

interface PodAddress {
  /** `$(VAR)` of the pod's own name, or a literal pod name. */
  readonly pod: string;
  readonly ownPod: boolean;
  readonly service: string;
  readonly namespace: string;
  readonly text: string;
}

/**
 * The per-pod addresses in an env value. A two-label short form (`$(POD).<a>.<b>`) counts only when `<b>` is a
 * namespace the input knows, so an external `$(POD_NAME).example.com` is left alone.
 */
function podAddresses(inv: Inventory, value: string, podNameVars: ReadonlySet<string>, namespace: string): PodAddress[] {
  const found: PodAddress[] = [];
  // both forms need literal text most values lack: '.svc' for the full name, '$(' for the short one
  for (const m of value.includes('.svc') ? value.matchAll(FQDN_ADDRESS) : []) {
    const variable = /^\$\((.*)\)$/.exec(m[1])?.[1];
    if (variable !== undefined ? podNameVars.has(variable) : /-\d+$/.test(m[1])) {
      found.push({ pod: m[1], ownPod: variable !== undefined, service: m[2], namespace: m[3], text: m[0] });
    }
  }
  for (const m of value.includes('$(') ? value.matchAll(SHORT_ADDRESS) : []) {
    const knownNamespace = m[3] === undefined || m[3] === namespace || inv.namespaceObject(m[3]) !== undefined
      || inv.service(m[3], m[2]) !== undefined;
    if (podNameVars.has(m[1]) && knownNamespace) {
      found.push({ pod: `$(${m[1]})`, ownPod: true, service: m[2], namespace: m[3] ?? namespace, text: m[0] });
    }
  }
  return found;
}

export const POD_ADDRESS_WRONG_SERVICE = defineRule({
  code: 'SM208',
  severity: Severity.ERROR,
  title: 'per-pod address names a Service that is not the pods\' headless Service',
  description: 'An env value like `$(POD_NAME).<service>.<namespace>.svc...` or `<sts>-0.<service>...` resolves only when '
    + '`<service>` is the headless Service of that StatefulSet in that namespace (its `serviceName`), or the pod `subdomain`.',
  check(inv, report) {
    for (const workload of inv.workloads) {
      const own = workload.object;
      const ownService = own.kind === 'StatefulSet' ? own.body.spec?.serviceName
        : typeof workload.podSpec.subdomain === 'string' ? workload.podSpec.subdomain : undefined;
      for (const ref of workload.containers) {
        const env = asArray(ref.container.env).filter(isObject);
        const podNameVars = new Set(env.filter(e => e.valueFrom?.fieldRef?.fieldPath === 'metadata.name').map(e => String(e.name)));
        env.forEach((e, i) => {
          if (typeof e.value !== 'string') {
            return;
          }
          for (const address of podAddresses(inv, e.value, podNameVars, own.namespace)) {
            const problem = addressProblem(inv, workload, ownService, address);
            if (problem) {
              report(own, `container '${ref.container.name}' env ${e.name} = '${e.value}': ${problem}`, `${ref.path}.env[${i}]`);
            }
          }
        });
      }
    }
  },
});

function addressProblem(inv: Inventory, workload: Workload, ownService: unknown, address: PodAddress): string | undefined {
  const own = workload.object;
  const corrected = (service: string, namespace: string) =>
    `'${address.pod}.${service}.${namespace}.svc.${inv.clusterDomain}'`;
  if (address.ownPod) {
    if (typeof ownService !== 'string' || ownService === '') {
      return `'${address.text}' is a per-pod name, but pods of ${own.kind} '${own.name}' have none: only StatefulSet pods `
        + '(under spec.serviceName) and pods with spec.subdomain get one; use a StatefulSet with a headless Service, or address the pod by IP';
    }
    if (address.service !== ownService || address.namespace !== own.namespace) {
      return `'${address.text}' names Service '${address.service}' in namespace '${address.namespace}', but the pods' DNS names live under `
        + `the headless Service '${ownService}' in '${own.namespace}' (spec.${own.kind === 'StatefulSet' ? 'serviceName' : 'subdomain'}); `
        + `use ${corrected(ownService, own.namespace)}`;
    }
    return undefined; // the Service itself is checked by SM203/SM204
  }
  const podName = address.pod;
  const statefulSetName = podName.replace(/-\d+$/, '');
  const statefulSet = inv.find('StatefulSet', address.namespace, statefulSetName);
  const serviceName = statefulSet?.body.spec?.serviceName;
  if (typeof serviceName === 'string' && serviceName !== '' && serviceName !== address.service) {
    return `'${address.text}' names Service '${address.service}', but pod '${podName}' of StatefulSet '${statefulSetName}' lives under its `
      + `headless Service '${serviceName}'; use ${corrected(serviceName, address.namespace)}`;
  }
  const service = inv.service(address.namespace, address.service);
  if (service && !service.headless) {
    return `'${address.text}' names Service '${address.service}' in '${address.namespace}', which is not headless, so '${podName}' does not `
      + 'resolve under it; use the StatefulSet\'s headless Service (its spec.serviceName)';
  }
  return undefined;
}

/** Env names that carry an address a member advertises to its peers or clients. */
const ADVERTISED = /ADVERTISE|ANNOUNCE|CONNECT_ADDRESS|BROADCAST|PUBLISH_HOST|LISTENERS|NODE_NAME|SEEDS|INITIAL_CLUSTER|REPLICA_HOST|MASTER_HOST/i;

export const POD_IP_ADVERTISED = defineRule({
  code: 'SM209',
  severity: Severity.WARNING,
  title: 'StatefulSet advertises pod IPs instead of its stable names',
  description: 'A StatefulSet exists to give its pods stable names (`<pod>.<serviceName>.<namespace>.svc...`); a pod IP changes '
    + 'whenever the pod is rescheduled (Kubernetes docs, StatefulSet "Stable Network ID"), and peers that stored it lose the member. '
    + 'Reported when an address a member advertises (an env var named like `*_ADVERTISE*`, `*_ANNOUNCE*`, `*_CONNECT_ADDRESS`, '
    + '`*_BROADCAST*`, `*LISTENERS`, ...) is the pod IP: set from `fieldRef: status.podIP`, or built from such a variable '
    + '(`$(PATRONI_KUBERNETES_POD_IP):5432`). A pod IP read for another purpose (Patroni writing its leader Endpoints) is not reported.',
  check(inv, report) {
    for (const workload of statefulSets(inv)) {
      // what a member should advertise after its pod name: the headless Service's domain
      const stableDomain = `${workload.object.body.spec?.serviceName || '<headless service>'}.${workload.object.namespace}.svc.${inv.clusterDomain}`;
      for (const ref of workload.containers) {
        const env = asArray(ref.container.env).filter(isObject);
        const podIpVars = new Set(env.filter(e => ['status.podIP', 'status.podIPs'].includes(e.valueFrom?.fieldRef?.fieldPath)).map(e => String(e.name)));
        if (podIpVars.size === 0) {
          continue;
        }
        // Patroni's own image (zalando/patroni Dockerfile) sets the connect addresses to `hostname --ip-address` when the
        // manifest does not (zalando/patroni docker/entrypoint.sh: PATRONI_POSTGRESQL_CONNECT_ADDRESS="$DOCKER_IP:5432")
        const image = String(ref.container.image ?? '').replace(/[:@].*$/, '');
        const names = new Set(env.map(e => String(e.name)));
        if (/(^|\/)patroni$/.test(image) && names.has('PATRONI_KUBERNETES_POD_IP') && !names.has('PATRONI_POSTGRESQL_CONNECT_ADDRESS')) {
          report(workload.object, `container '${ref.container.name}' runs Patroni's image without PATRONI_POSTGRESQL_CONNECT_ADDRESS, so its entrypoint `
            + 'advertises the pod IP (hostname --ip-address), which changes when the pod is rescheduled; set PATRONI_POSTGRESQL_CONNECT_ADDRESS and '
            + `PATRONI_RESTAPI_CONNECT_ADDRESS to '$(PATRONI_NAME).${stableDomain}:<port>'`, `${ref.path}.env`);
        }
        env.forEach((e, i) => {
          const name = String(e.name ?? '');
          if (!ADVERTISED.test(name)) {
            return;
          }
          const direct = podIpVars.has(name);
          const via = typeof e.value === 'string' ? [...podIpVars].find(v => e.value.includes(`$(${v})`)) : undefined;
          if (!direct && via === undefined) {
            return;
          }
          const how = direct ? 'is the pod IP (fieldRef status.podIP)' : `= '${e.value}' is built from the pod IP ($(${via}))`;
          report(workload.object, `container '${ref.container.name}' env ${name} ${how}, which changes when the pod is rescheduled; `
            + `advertise the stable name instead: '$(POD_NAME).${stableDomain}' with POD_NAME from fieldRef metadata.name`, `${ref.path}.env[${i}]`);
        });
      }
    }
  },
});

/** Commands of an init container that open TCP connections (to a database, an API, a registry). */
const NETWORK_COMMANDS = /(^|[\s;&|(/'"])(curl|wget|nc|ncat|netcat|telnet|pg_isready|psql|mysql|mysqladmin|mariadb|mariadb-admin|redis-cli|valkey-cli|mongo|mongosh|cqlsh|kafka-topics(\.sh)?|kubectl|git|aws|gsutil|vault|etcdctl|zkCli\.sh)(\s|$)|\/dev\/tcp\//;

function initNeedsNetwork(container: any): string | undefined {
  const words = commandWords(container).join(' ');
  const match = NETWORK_COMMANDS.exec(words);
  if (!match) {
    return undefined;
  }
  // `nc -l` listens, it does not connect
  if (/^(nc|ncat|netcat)$/.test(match[2] ?? '') && /\s-[a-z]*l/.test(words)) {
    return undefined;
  }
  return match[2] ?? '/dev/tcp';
}

export const INIT_CONTAINER_BEFORE_SIDECAR = defineRule({
  code: 'SM210',
  severity: Severity.WARNING,
  title: 'init container needs the network before a classic sidecar is up',
  description: 'With a classic (not native) sidecar, the pod\'s traffic is redirected to the proxy before the application\'s init '
    + 'containers run, but the proxy starts only after them: their outbound connections fail (istio.io '
    + 'docs/setup/additional-setup/cni, "Compatibility with application init containers"). Reported for init containers of '
    + 'sidecar-injected pods that run a command which connects out (`curl`, `wget`, `nc`, `pg_isready`, `psql`, `mysql`, '
    + '`redis-cli`, `kubectl`, `/dev/tcp/...`), unless the pod asks for a native sidecar (`sidecar.istio.io/nativeSidecar: "true"`), '
    + 'the init container runs as UID 1337, or the pod excludes outbound traffic from capture. Istio >= 1.28 on Kubernetes >= 1.33 '
    + 'uses native sidecars by default, where this does not happen; the finding says so.',
  check(inv, report) {
    for (const workload of inv.workloads) {
      if (workload.mesh !== 'sidecar' || isIstioControlPlane(workload.object)) {
        continue;
      }
      const a = workload.podAnnotations;
      if (a[NATIVE_SIDECAR_ANNOTATION] === 'true' || a['traffic.sidecar.istio.io/excludeOutboundIPRanges'] !== undefined
        || a[EXCLUDE_OUTBOUND_PORTS_ANNOTATION] !== undefined || a['sidecar.istio.io/interceptionMode'] === 'NONE') {
        continue;
      }
      const podUser = workload.podSpec.securityContext?.runAsUser;
      for (const ref of workload.containers.filter(c => c.init && !ISTIO_CONTAINERS.includes(c.container.name))) {
        if ((ref.container.securityContext?.runAsUser ?? podUser) === ISTIO_PROXY_UID || ref.container.restartPolicy === 'Always') {
          continue;
        }
        const tool = initNeedsNetwork(ref.container);
        if (tool !== undefined) {
          report(workload.object, `init container '${ref.container.name}' connects out (${tool}) while its traffic is already redirected to a `
            + 'classic sidecar that starts only after the init containers, so the connection fails; set the pod annotation '
            + 'sidecar.istio.io/nativeSidecar: "true" (Kubernetes >= 1.29; the default from Istio 1.28 on Kubernetes >= 1.33), or exclude '
            + 'the destination with traffic.sidecar.istio.io/excludeOutboundPorts', ref.path);
        }
      }
    }
  },
});

export const WORKLOAD_RULES: ReadonlyArray<Rule> = [
  PROXY_UID, STATEFUL_SET_WITHOUT_SERVICE_NAME, SERVICE_NAME_NOT_HEADLESS, SERVICE_NAME_NOT_SELECTING, STATEFUL_SET_NAME_TOO_LONG,
  POD_DNS_NAME_TOO_LONG, ENV_USED_BEFORE_DEFINED, POD_ADDRESS_WRONG_SERVICE, POD_IP_ADVERTISED, INIT_CONTAINER_BEFORE_SIDECAR,
];
