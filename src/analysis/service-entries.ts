import { Severity } from './finding';
import { Inventory } from './inventory';
import { asArray, isObject } from './objects';
import { defineRule, Rule } from './rule';
import { AUTOALLOCATE_LABEL } from '../private/istio-constants';

/**
 * Whether Istio allocates addresses to ServiceEntries itself: DNS capture together with auto-allocation in the mesh's
 * `defaultConfig.proxyMetadata` (as `istioctl analyze` reads it).
 */
function addressesAutoAllocated(inv: Inventory): boolean {
  const metadata = inv.meshConfig?.defaultConfig?.proxyMetadata ?? {};
  return metadata.ISTIO_META_DNS_CAPTURE === 'true'
    && (metadata.ISTIO_META_DNS_AUTO_ALLOCATE === 'true' || metadata.PILOT_ENABLE_IP_AUTOALLOCATE === 'true');
}

/**
 * Istio's IP auto-allocation controller (on by default since 1.25) writes addresses into `status.addresses` of
 * ServiceEntries with a resolution other than NONE, unless the label below says `"false"`. A manifest labelled
 * `"true"` states that it relies on it (our `ServiceEntry` does), so it is not flagged: its status fills at run time.
 */

function reliesOnAllocation(se: { body: any }): boolean {
  return se.body.metadata?.labels?.[AUTOALLOCATE_LABEL] === 'true' && String(se.body.spec?.resolution ?? 'NONE').toUpperCase() !== 'NONE';
}

export const SERVICE_ENTRY_WITHOUT_ADDRESSES = defineRule({
  code: 'SM501',
  severity: Severity.WARNING,
  istioCode: 'IST0134',
  title: 'ServiceEntry TCP port without addresses',
  description: 'A ServiceEntry port whose protocol is TCP (or unset) needs `addresses` (or allocated ones in `status.addresses`, or '
    + 'DNS capture with auto-allocation in the mesh config, or the label `networking.istio.io/enable-autoallocate-ip: "true"` with a '
    + 'resolution other than NONE, relying on the allocator of Istio >= 1.25): plain TCP carries no host name, so Istio matches it by '
    + 'address and port only.',
  check(inv, report) {
    if (addressesAutoAllocated(inv)) {
      return;
    }
    for (const se of inv.ofKind('ServiceEntry', 'networking.istio.io')) {
      const spec = isObject(se.body.spec) ? se.body.spec : {};
      if (asArray(spec.addresses).length > 0 || asArray(se.body.status?.addresses).length > 0 || reliesOnAllocation(se)) {
        continue;
      }
      const hosts = asArray(spec.hosts).map(String).join(', ');
      asArray(spec.ports).forEach((port, i) => {
        const protocol = String(port?.protocol ?? '');
        if (protocol === '' || protocol.toUpperCase() === 'TCP') {
          report(se, `port ${port?.number ?? '?'} (protocol ${protocol === '' ? 'unset' : protocol}) has no address: plain TCP to '${hosts}' carries `
            + 'no host name, so Istio can only match it by address; set spec.addresses, declare protocol TLS when it is TLS (matched by SNI), '
            + 'or enable ISTIO_META_DNS_CAPTURE with ISTIO_META_DNS_AUTO_ALLOCATE', `spec.ports[${i}]`);
        }
      });
    }
  },
});

export const SERVICE_ENTRY_RULES: ReadonlyArray<Rule> = [SERVICE_ENTRY_WITHOUT_ADDRESSES];
