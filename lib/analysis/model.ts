import { IpFamily } from '../core/cidr';
import { Source, SourcedObject } from './load';
import { AnalyzedProtocol, PortSet } from './port-set';
import { Representative } from './representatives';
import { Labels } from './selectors';

/** A container port of a workload. */
export interface ContainerPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: AnalyzedProtocol;
}

/**
 * One Calico endpoint as rule selectors see it: a workload, or a network set
 * holding an address. A workload is its own one member.
 */
export interface CalicoMember {
  /** The endpoint's own labels. */
  readonly labels: Labels;
  /** Its labels as Calico selectors see them (`projectcalico.org/*` included). */
  readonly calicoLabels: Labels;
  /** Its namespace; undefined for GlobalNetworkSets. */
  readonly namespace?: string;
  /** Its namespace's own labels; `{}` outside namespaces. */
  readonly nsLabels: Labels;
  /** Its namespace's labels as Calico namespace selectors see them; `{}` outside namespaces. */
  readonly calicoNsLabels: Labels;
}

/** Something traffic flows from or to: a workload, or a block of addresses outside the workloads. */
export interface Endpoint {
  /** Index in the analysis. */
  readonly idx: number;
  /** `namespace/name` for workloads; the CIDR text for addresses. */
  readonly id: string;
  /** The workload kind, or `External`. */
  readonly kind: string;
  /** The namespace (workloads only). */
  readonly namespace?: string;
  /** Pod labels (workloads only). */
  readonly labels: Labels;
  /** Namespace labels, with `kubernetes.io/metadata.name`. */
  readonly nsLabels: Labels;
  /** Labels as Calico selectors see them (pod labels plus `projectcalico.org/*`). */
  readonly calicoLabels: Labels;
  /** Namespace labels as Calico namespace selectors see them. */
  readonly calicoNsLabels: Labels;
  /**
   * The Calico endpoints this is: a workload itself; for an address block,
   * each NetworkSet or GlobalNetworkSet that holds it (none for most
   * addresses, which then match no Calico selector).
   */
  readonly calicoMembers: readonly CalicoMember[];
  /** Labels as Cilium endpoint selectors see them (namespace and namespace labels included). */
  readonly ciliumLabels: Labels;
  /** The service account, when known. */
  readonly serviceAccount?: string;
  /** Container ports. */
  readonly ports: readonly ContainerPort[];
  /** For address blocks: the family and inclusive address range. */
  readonly external?: { readonly family: IpFamily; readonly start: bigint; readonly end: bigint };
  /** Where the workload was declared. */
  readonly source?: Source;
}

/** What a matching rule does. */
export type Action = 'Allow' | 'Deny' | 'Pass' | 'Log';
/** A traffic direction, seen from the endpoint a policy selects. */
export type Direction = 'ingress' | 'egress';

/** The peers a rule matches. */
export interface PeerMatcher {
  /** Whether the endpoint is such a peer. */
  matches(e: Endpoint): boolean;
  /** The namespaces whose workloads it can match, or `all`. */
  readonly namespaces: readonly string[] | 'all';
  /**
   * Whether it can match workloads of this workload's namespace (a test on the
   * namespace alone, so the analyzer can skip whole namespaces).
   * @default every namespace in `namespaces`
   */
  readonly inNamespace?: (e: Endpoint) => boolean;
  /**
   * A canonical identity: two matchers with the same key match the same
   * endpoints, so the analyzer lists their workloads once.
   * @default no sharing
   */
  readonly key?: string;
  /** For a union of peers: its parts, whose matches the analyzer lists separately. */
  readonly parts?: readonly PeerMatcher[];
  /** Whether it matches every workload (so no workload needs to be listed). */
  readonly allWorkloads: boolean;
  /**
   * Whether it never matches an address block (a pod or namespace selector),
   * so the analyzer need not test it on addresses.
   * @default false
   */
  readonly workloadsOnly?: boolean;
  /** CIDRs it names, for the address partition. */
  readonly cidrs: readonly string[];
  /**
   * Peers it admits that may exist outside the input (pods of namespaces
   * chosen by labels, the entire cluster), for exposure analysis.
   * @default none
   */
  readonly representatives?: readonly Representative[];
  /**
   * DNS names (and `*.` patterns) it names, resolved by the engine at run
   * time: it matches no endpoint of the input, and outputs list the names.
   * @default none
   */
  readonly domains?: readonly string[];
  /** Human text for explanations. */
  readonly text: string;
}

/** The ports a rule matches, before named ports are resolved. */
export interface RulePorts {
  /** Number ranges and names; empty with `any` = every port. */
  readonly entries: readonly { readonly protocol?: AnalyzedProtocol; readonly from?: number; readonly to?: number; readonly name?: string }[];
  /** Ports excluded (Calico notPorts). */
  readonly not: readonly { readonly protocol?: AnalyzedProtocol; readonly from?: number; readonly to?: number; readonly name?: string }[];
  /** Whether there are named ports (which resolve per destination). */
  readonly hasNames: boolean;
  /** Resolved set when there are no names. */
  readonly fixed?: PortSet;
}

/** One rule of a normalized policy. */
export interface NormRule {
  readonly action: Action;
  readonly peer: PeerMatcher;
  readonly ports: RulePorts;
  /** L7 restrictions on the allowed connection (Cilium HTTP/DNS/Kafka), as text. */
  readonly l7: readonly string[];
  /** `ingress[2]`-style position in the source object. */
  readonly field: string;
}

/** A policy of any dialect, normalized for evaluation. */
export interface NormPolicy {
  /** A unique key. */
  readonly key: string;
  /** The source kind, namespace and name: `CiliumNetworkPolicy app/allow-dns`. */
  readonly display: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly source: SourcedObject;
  /** 0 admin (ANP, Admin CNP), 1 tiers (Calico, Kubernetes, Cilium), 2 baseline. */
  readonly layer: number;
  /** The tier, and its order. */
  readonly tier: string;
  readonly tierOrder: number;
  /** The order within the tier; lower first. */
  readonly order: number;
  /** Which endpoints the policy applies to. */
  appliesTo(e: Endpoint): boolean;
  /** Rules per direction; undefined when the policy does not apply to that direction. */
  readonly ingress?: readonly NormRule[];
  readonly egress?: readonly NormRule[];
  /** Whether selection isolates the endpoint in each direction (unmatched traffic meets the tier's default action). */
  readonly isolates: { readonly ingress: boolean; readonly egress: boolean };
  /** Whether the policy is staged (reported, not enforced). */
  readonly staged: boolean;
  /** Stage action for staged policies: Set (as if enforced) or Delete (as if the enforced one were gone). */
  readonly stagedAction?: 'Set' | 'Delete';
}

/** A tier's evaluation settings. */
export interface TierInfo {
  readonly name: string;
  readonly order: number;
  readonly defaultAction: 'Deny' | 'Pass';
}
