import { Peer } from './peer';
import { Port } from './port';

/** What a matching rule does. Only `ALLOW` exists in Kubernetes NetworkPolicy. */
export enum RuleAction {
  /** Admit the connection. */
  ALLOW = 'Allow',
  /** Drop the connection (Calico, Cilium). */
  DENY = 'Deny',
  /** Log the packet and go on to the next rule (Calico). */
  LOG = 'Log',
  /** Skip the rest of this tier; the next tier decides (Calico). */
  PASS = 'Pass',
}

/** One HTTP request match of an L7 rule; every field given must match. */
export interface HttpMatch {
  /**
   * The HTTP method, such as `GET`.
   * @default - any method
   */
  readonly method?: string;
  /**
   * The request path. Cilium reads it as an extended POSIX regular expression
   * matched against the whole path.
   * @default - any path
   */
  readonly path?: string;
}

/** The parts of a rule. */
export interface RuleOptions {
  /**
   * The peers the rule matches: sources of ingress, destinations of egress.
   * @default - any peer
   */
  readonly peers?: readonly Peer[];
  /**
   * The destination ports the rule matches.
   * @default - every port and protocol
   */
  readonly ports?: readonly Port[];
  /**
   * HTTP requests the rule admits on `ports` (Cilium ENI mode). A connection
   * that matches the ports is allowed, but only these requests pass.
   * @default - no L7 restriction
   */
  readonly http?: readonly HttpMatch[];
}

/**
 * One ingress or egress rule: an action, the peers and the ports it matches.
 * Build with `Rule.allow`, `Rule.deny`, `Rule.log` and `Rule.pass`.
 */
export class Rule {
  /** Admits matching connections. */
  public static allow(options: RuleOptions = {}): Rule {
    return new Rule(RuleAction.ALLOW, options, false);
  }

  /** Drops matching connections, before any allow of the same policy (Calico order, Cilium deny precedence). */
  public static deny(options: RuleOptions = {}): Rule {
    return new Rule(RuleAction.DENY, options, false);
  }

  /** Logs matching packets and continues (Calico). */
  public static log(options: RuleOptions = {}): Rule {
    return new Rule(RuleAction.LOG, options, false);
  }

  /** Hands matching connections to the next tier (Calico). */
  public static pass(options: RuleOptions = {}): Rule {
    return new Rule(RuleAction.PASS, options, false);
  }

  /**
   * Admits DNS to `peers` on UDP and TCP `ports`, asking L7-capable engines to
   * inspect the queries (Cilium `rules.dns`), which FQDN egress rules need.
   */
  public static dns(peers: readonly Peer[], ports: readonly Port[]): Rule {
    return new Rule(RuleAction.ALLOW, { peers, ports }, true);
  }

  /** The peers; empty means any peer. */
  public readonly peers: readonly Peer[];
  /** The ports; empty means every port. */
  public readonly ports: readonly Port[];
  /** HTTP matches; empty means no L7 restriction. */
  public readonly http: readonly HttpMatch[];

  private constructor(
    /** What the rule does. */
    public readonly action: RuleAction,
    options: RuleOptions,
    /** Whether this rule is a DNS allowance whose queries L7 engines may inspect. */
    public readonly isDns: boolean,
  ) {
    this.peers = [...(options.peers ?? [])];
    this.ports = [...(options.ports ?? [])];
    this.http = (options.http ?? []).map((h) => ({ ...h }));
  }

  /** A stable text of the rule, used to find duplicates: `Allow to [a] on [TCP/80]`. */
  public describe(): string {
    const peers = this.peers.length === 0 ? 'any' : this.peers.map((p) => p.label).join(',');
    const ports = this.ports.length === 0 ? 'any' : this.ports.map((p) => p.describe()).join(',');
    const http = this.http.length === 0 ? '' : ` http ${this.http.map((h) => `${h.method ?? '*'} ${h.path ?? '*'}`).join(',')}`;
    return `${this.action} [${peers}] on [${ports}]${http}`;
  }
}
