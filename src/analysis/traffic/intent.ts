import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { EdgeExpectation, EdgeIntent, meets, TrafficEdge, TrafficVerdict } from './edge';
import { ModelEdge, ModelFacts } from './model';
import { chartFacts, TrafficFacts } from '../../private/mesh-facts';

/** The traffic facts every chart of the app recorded, produced now (clients are added after construction). */
export function appTrafficFacts(root: IConstruct): ModelFacts {
  const produced: TrafficFacts[] = [];
  for (const child of root.node.children) {
    if (Chart.isChart(child)) {
      for (const produce of chartFacts(child)?.traffic ?? []) {
        produced.push(produce());
      }
    }
  }
  return {
    intended: produced.flatMap(f => f.intended).map(i => ({
      intent: i.intent as EdgeIntent,
      destination: i.destination,
      source: i.source.kind === 'client'
        ? { kind: 'client' as const, namespace: i.source.namespace!, serviceAccount: i.source.serviceAccount, podLabels: i.source.podLabels }
        : { kind: i.source.kind },
      ports: i.ports,
      expected: i.expected as EdgeExpectation,
      owner: i.owner,
    })),
    protected: produced.flatMap(f => f.protected),
    waypoints: produced.flatMap(f => f.waypoints).map(w => ({ ...w, trafficType: w.trafficType ?? 'service' })),
  };
}

/** The intended edges that do not get what they must (and the unintended ones that get in), as synthesis errors. */
export function intentProblems(edges: ReadonlyArray<ModelEdge>, chartPath: string): Array<{ readonly owner: string; readonly message: string }> {
  const mine = (owner: string | undefined) => owner !== undefined && (owner === chartPath || owner.startsWith(`${chartPath}/`));
  return edges
    .filter(e => mine(e.owner) && e.edge.expected !== undefined && !meets(e.edge.verdict, e.edge.expected))
    .map(e => ({ owner: e.owner!, message: describeFailure(e.edge) }));
}

const EXPECTED: Record<EdgeExpectation, string> = {
  [EdgeExpectation.MTLS]: 'must get through with mTLS',
  [EdgeExpectation.PLAINTEXT]: 'must get through in plaintext',
  [EdgeExpectation.ALLOWED]: 'must get through',
  [EdgeExpectation.DENIED]: 'must be denied (nobody admitted it)',
};

const GOT: Record<TrafficVerdict, string> = {
  [TrafficVerdict.ALLOWED_MTLS]: 'gets through with mTLS',
  [TrafficVerdict.ALLOWED_PLAINTEXT]: 'gets through in plaintext',
  [TrafficVerdict.DENIED]: 'is denied',
};

/** `traffic: peer StatefulSet db/pg -> StatefulSet db/pg:5432 (pg-*.pg-headless...:5432) is denied but must get through with mTLS: <reason>` */
export function describeFailure(edge: TrafficEdge): string {
  const blocked = edge.decidedBy ? ` [${edge.decidedBy}]` : '';
  return `traffic: ${edge.intent} ${edge.source} -> ${edge.destination}:${edge.port} (${edge.address}${edge.via ? ` via waypoint ${edge.via}` : ''}) `
    + `${GOT[edge.verdict]} but ${EXPECTED[edge.expected!]}${blocked}: ${edge.reason}`;
}
