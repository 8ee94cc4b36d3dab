/**
 * Over-permissive rules: the Allow rules of deployed policies that allow
 * more than the observed flows used, with the narrower rule the flows
 * justify (the observed peers and ports).
 */
import { LoadResult } from '../analysis/load';
import { NormRule } from '../analysis/model';
import { PortSet } from '../analysis/port-set';
import { resolvePorts } from '../analysis/policies/common';
import { Observation } from './aggregate';
import { endText, observeFlows, observedAnalysis, ReplayOptions } from './replay';

/** An Allow rule of the deployed policies, against what was observed. */
export interface RuleUse {
  /** `Kind namespace/name spec.ingress[0]`. */
  readonly rule: string;
  /** What the rule admits, as the analyzer describes its peer. */
  readonly peer: string;
  /** The ports it allows (on the workloads it selects). */
  readonly ports: string;
  /** The peers observed using it (workload ids, address blocks). */
  readonly observedPeers: readonly string[];
  /** The ports observed through it. */
  readonly observedPorts: string;
  /** `unused` (no observed flow went through it) or `narrower` (flows used part of it). */
  readonly finding: 'unused' | 'narrower';
  /** What to do. */
  readonly suggestion: string;
}

/**
 * Which Allow rules of `deployed` the observations used, and how much of
 * each: rules no flow used, and rules whose peers or ports the flows used
 * only part of. Rules that match every peer on every port and were used are
 * narrowed to what was seen.
 */
export function overPermissiveRules(observations: readonly Observation[], deployed: LoadResult, options: ReplayOptions = {}): RuleUse[] {
  const { analysis, endpoint } = observedAnalysis(observations, deployed, options);
  const used = new Map<NormRule, { peers: Set<string>; ports: PortSet }>();
  const note = (rule: NormRule, peer: string, ports: PortSet) => {
    const u = used.get(rule) ?? { peers: new Set<string>(), ports: PortSet.EMPTY };
    u.peers.add(peer);
    u.ports = u.ports.union(ports);
    used.set(rule, u);
  };
  for (const o of observations) {
    const src = endpoint(o.src);
    const dst = endpoint(o.dst);
    if (!src || !dst) continue;
    const probe = PortSet.range(o.protocol, o.port, o.port);
    for (const [subject, peer, direction] of [[src, dst, 'egress'], [dst, src, 'ingress']] as const) {
      if (subject.external) continue;
      for (const p of analysis.policiesFor(subject, direction)) {
        for (const r of p[direction] ?? []) {
          if (r.action !== 'Allow' || !r.peer.matches(peer)) continue;
          if (resolvePorts(r.ports, direction === 'ingress' ? subject : peer).intersect(probe).isEmpty) continue;
          note(r, endText(peer === dst ? o.dst : o.src, peer), probe);
        }
      }
    }
  }
  const out: RuleUse[] = [];
  for (const p of analysis.policies) {
    if (p.source.file.startsWith('<observed')) continue;
    for (const direction of ['ingress', 'egress'] as const) {
      for (const r of p[direction] ?? []) {
        if (r.action !== 'Allow') continue;
        const ports = r.ports.fixed ?? resolvePorts(r.ports, undefined);
        const u = used.get(r);
        const rule = `${p.display} ${r.field}`;
        if (!u) {
          out.push({ rule, peer: r.peer.text, ports: ports.toString(), observedPeers: [], observedPorts: 'nothing', finding: 'unused', suggestion: 'no observed flow went through it: remove it, or record longer if its traffic is rare' });
          continue;
        }
        const morePorts = !ports.subtract(u.ports).isEmpty;
        const broadPeer = r.peer.allWorkloads || r.peer.cidrs.length > 0 || r.peer.namespaces === 'all';
        if (!morePorts && !broadPeer) continue;
        const peers = [...u.peers].sort();
        out.push({
          rule, peer: r.peer.text, ports: ports.toString(), observedPeers: peers, observedPorts: u.ports.toString(), finding: 'narrower',
          suggestion: `allow only ${peers.length > 5 ? `${peers.slice(0, 5).join(', ')} (+${peers.length - 5})` : peers.join(', ')} on ${u.ports.toString()}`,
        });
      }
    }
  }
  return out;
}

/** Reads flow files and judges deployed policies against them (see overPermissiveRules). */
export function overPermissiveFromFiles(files: readonly string[], deployed: LoadResult, options: ReplayOptions = {}): RuleUse[] {
  return overPermissiveRules(observeFlows(files, options).aggregator.observations(), deployed, options);
}
