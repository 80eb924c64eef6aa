import { MeshMode, MeshModeKind } from '../src';
import { database } from './support/fixtures';
import { chart, only, synth } from './support/manifests';

describe('MeshMode', () => {
  test('sidecar: injection label and holdApplicationUntilProxyStarts on the pod template, not on the StatefulSet', () => {
    const c = chart();
    database(c, MeshMode.sidecar());
    const sts = only(synth(c), 'StatefulSet');
    expect(sts.spec.template.metadata.labels).toMatchObject({ 'sidecar.istio.io/inject': 'true' });
    expect(sts.spec.template.metadata.annotations).toEqual({ 'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true}' });
    expect(sts.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'db' });
    expect(sts.metadata.annotations).toBeUndefined();
  });

  test('sidecar: excluded ports as annotations, and no hold when turned off', () => {
    const mode = MeshMode.sidecar({ holdApplicationUntilProxyStarts: false, excludeInboundPorts: [9187], excludeOutboundPorts: [5432, 443] });
    expect(mode.podAnnotations()).toEqual({
      'traffic.sidecar.istio.io/excludeInboundPorts': '9187',
      'traffic.sidecar.istio.io/excludeOutboundPorts': '443,5432',
    });
    expect(mode.excludedInboundPorts).toEqual([9187]);
  });

  test('sidecar: a native sidecar on request (Istio >= 1.24 annotation), left to Istio by default', () => {
    expect(MeshMode.sidecar().nativeSidecar).toBeUndefined();
    expect(MeshMode.sidecar().podAnnotations()['sidecar.istio.io/nativeSidecar']).toBeUndefined();
    expect(MeshMode.sidecar({ nativeSidecar: true }).podAnnotations()).toEqual({
      'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true}',
      'sidecar.istio.io/nativeSidecar': 'true',
    });
    expect(MeshMode.sidecar({ nativeSidecar: false }).podAnnotations()['sidecar.istio.io/nativeSidecar']).toBe('false');
  });

  test('sidecar: keeping the proxy until the application exits is a native sidecar, or a classic one that waits for zero connections', () => {
    expect(MeshMode.sidecar()._keepingProxyUntilExit().podAnnotations()['sidecar.istio.io/nativeSidecar']).toBe('true');
    // the user's explicit classic sidecar stays, and its agent exits only once no connection is left
    // (istio/istio pilot/cmd/pilot-agent/options/options.go EXIT_ON_ZERO_ACTIVE_CONNECTIONS, since 1.12)
    expect(MeshMode.sidecar({ nativeSidecar: false })._keepingProxyUntilExit().podAnnotations()).toEqual({
      'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true,"proxyMetadata":{"EXIT_ON_ZERO_ACTIVE_CONNECTIONS":"true"}}',
      'sidecar.istio.io/nativeSidecar': 'false',
    });
    expect(MeshMode.ambient()._keepingProxyUntilExit().podAnnotations()).toEqual({});
  });

  test('ambient: a waypoint in another namespace, with its own service account', () => {
    const mode = MeshMode.ambient({ waypoint: 'db-waypoint', waypointNamespace: 'waypoints', waypointServiceAccount: 'wp' });
    expect(mode.podLabels()).toEqual({
      'istio.io/dataplane-mode': 'ambient',
      'sidecar.istio.io/inject': 'false',
      'istio.io/use-waypoint': 'db-waypoint',
      'istio.io/use-waypoint-namespace': 'waypoints',
    });
    expect(mode.waypointNamespaceFor('db')).toBe('waypoints');
    expect(mode.waypointServiceAccount).toBe('wp');
    // istioctl waypoint apply names the service account after the Gateway
    expect(MeshMode.ambient({ waypoint: 'waypoint' }).waypointServiceAccount).toBe('waypoint');
    // a ServiceAccount's name is a DNS subdomain: dots are allowed
    expect(MeshMode.ambient({ waypoint: 'waypoint', waypointServiceAccount: 'waypoint.identity' }).waypointServiceAccount).toBe('waypoint.identity');
    expect(MeshMode.ambient({ waypoint: 'waypoint' }).waypointNamespaceFor('db')).toBe('db');
    expect(MeshMode.ambient().waypointNamespaceFor('db')).toBeUndefined();
  });

  test('ambient: dataplane-mode label, injection off, optional waypoint; no sidecar annotations', () => {
    expect(MeshMode.ambient().podLabels()).toEqual({ 'istio.io/dataplane-mode': 'ambient', 'sidecar.istio.io/inject': 'false' });
    expect(MeshMode.ambient({ waypoint: 'db-waypoint' }).podLabels()).toMatchObject({ 'istio.io/use-waypoint': 'db-waypoint' });
    expect(MeshMode.ambient().podAnnotations()).toEqual({});
    expect(MeshMode.ambient().inMesh).toBe(true);
  });

  test('outside: out of both injected and ambient namespaces', () => {
    const mode = MeshMode.outside();
    expect(mode.kind).toBe(MeshModeKind.OUTSIDE);
    expect(mode.inMesh).toBe(false);
    expect(mode.podLabels()).toEqual({ 'sidecar.istio.io/inject': 'false', 'istio.io/dataplane-mode': 'none' });
  });

  describe('fails when', () => {
    test('an excluded port is reserved, invalid or repeated', () => {
      expect(() => MeshMode.sidecar({ excludeInboundPorts: [15090] })).toThrow(/excludeInboundPorts port 15090 is reserved by the Istio proxy/);
      expect(() => MeshMode.sidecar({ excludeOutboundPorts: [0] })).toThrow(/excludeOutboundPorts port 0 is not a port number/);
      expect(() => MeshMode.sidecar({ excludeInboundPorts: [9187, 9187] })).toThrow(/lists a port twice/);
    });

    test('a waypoint name is not a DNS label', () => {
      expect(() => MeshMode.ambient({ waypoint: 'Way_Point' })).toThrow(/^MeshMode.ambient\(\): waypoint 'Way_Point' is not a valid name: it must consist of lowercase letters, digits and '-', start with a letter and end with a letter or digit; use the name in the waypoint's metadata$/);
      // the waypoint's Service is named after it: a Service name starts with a letter
      expect(() => MeshMode.ambient({ waypoint: '1wp' })).toThrow(/waypoint '1wp' is not a valid name: it must consist of lowercase letters, digits and '-', start with a letter/);
      expect(() => MeshMode.ambient({ waypoint: 'w'.repeat(64) })).toThrow(/waypoint 'w{64}' is not a valid name: it is 64 characters long \(at most 63\)/);
      expect(() => MeshMode.ambient({ waypoint: 'waypoint', waypointNamespace: '' })).toThrow(/waypointNamespace '' is not a valid name: it is empty/);
      expect(() => MeshMode.ambient({ waypoint: 'waypoint', waypointServiceAccount: 'Waypoint' })).toThrow(/waypointServiceAccount 'Waypoint' is not a valid name: it has a label 'Waypoint' that must consist of/);
      expect(() => MeshMode.ambient({ waypointNamespace: 'waypoints' })).toThrow(/no waypoint is named; set waypoint/);
    });

    test('an excluded inbound port is not declared by the workload (at synth)', () => {
      const c = chart();
      database(c, MeshMode.sidecar({ excludeInboundPorts: [9100] }));
      expect(() => synth(c)).toThrow(/mesh mode excludes inbound port 9100 from the sidecar, but 'db' declares no such port/);
    });
  });
});
