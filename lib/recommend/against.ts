/**
 * Over-permissive rules: the Allow rules of deployed policies that allow
 * more than the observed flows used, with the narrower rule the flows
 * justify (the observed peers and ports).
 */
import { atomsOverlapping } from '../analysis/externals';
import { LoadResult } from '../analysis/load';
import { Endpoint, NormRule } from '../analysis/model';
import { PortSet } from '../analysis/port-set';
import { resolvePorts } from '../analysis/policies/common';
import { Cidr, cidrLast, IpFamily, parseCidr } from '../core/cidr';
import { AggregateOptions, blockOfAddress, Observation } from './aggregate';
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
 * Options of judging deployed policies against observed flows. The prefix
 * lengths only shape the suggestions: an observed address is listed as the
 * block `recommend` would write for it when the rule allows that whole
 * block (a suggestion never widens a rule), else as itself; each address is
 * still judged on its own.
 */
export interface OverPermissiveOptions extends ReplayOptions, AggregateOptions {}

/**
 * Which Allow rules of `deployed` the observations used, and how much of
 * each: rules no flow used, and rules whose peers or ports the flows used
 * only part of. Rules that match every peer on every port and were used are
 * narrowed to what was seen.
 */
export function overPermissiveRules(observations: readonly Observation[], deployed: LoadResult, options: OverPermissiveOptions = {}): RuleUse[] {
  const { analysis, endpoint } = observedAnalysis(observations, deployed, options);
  const peerText = (rule: NormRule, end: Observation['src'], e: Endpoint) => {
    if (end.kind !== 'block') return endText(end, e);
    const block = parseCidr(blockOfAddress(end.cidr, options.prefixLength ?? 32, options.prefixLengthV6 ?? 128)).cidr;
    return block && allowsWhole(analysis.externals, rule, block) ? block.text : end.cidr;
  };
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
          note(r, peerText(r, peer === dst ? o.dst : o.src, peer), probe);
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
        const broadPeer = r.peer.allWorkloads || r.peer.namespaces === 'all' || (r.peer.cidrs.length > 0 && !addressesWithin(analysis.externals, r, [...u.peers]));
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
export function overPermissiveFromFiles(files: readonly string[], deployed: LoadResult, options: OverPermissiveOptions = {}): RuleUse[] {
  return overPermissiveRules(observeFlows(files, options).aggregator.observations(), deployed, options);
}

/**
 * Whether the rule's peer matches every address of `block`: every atom of
 * the address partition that overlaps it (each atom is wholly inside or
 * outside every block the policies name, so the rule matches it all or none).
 */
function allowsWhole(atoms: readonly Endpoint[], rule: NormRule, block: Cidr): boolean {
  return atomsOverlapping(atoms, block.family, block.network, cidrLast(block)).every((x) => rule.peer.matches(x));
}

/**
 * Whether every address the rule's peer matches lies in the observed peers'
 * blocks (texts that are not CIDRs, workload ids, are ignored): then the
 * rule's addresses are no broader than what was used. An atom is covered
 * when one run of the used blocks, neighbours joined, holds all of it.
 */
function addressesWithin(atoms: readonly Endpoint[], rule: NormRule, peers: readonly string[]): boolean {
  const covered = new Set<number>();
  for (const run of joinedRanges(peers)) {
    for (const x of atomsOverlapping(atoms, run.family, run.start, run.end)) {
      if (x.external!.start >= run.start && x.external!.end <= run.end) covered.add(x.idx);
    }
  }
  return atoms.every((x) => covered.has(x.idx) || !rule.peer.matches(x));
}

/** The address ranges of the CIDRs among `texts`, overlapping and adjacent ones joined. */
function joinedRanges(texts: readonly string[]): { family: IpFamily; start: bigint; end: bigint }[] {
  const ranges = texts.map((t) => parseCidr(t).cidr).filter((c): c is Cidr => c !== undefined)
    .map((c) => ({ family: c.family, start: c.network, end: cidrLast(c) }))
    .sort((a, b) => (a.family !== b.family ? (a.family === IpFamily.IPV4 ? -1 : 1) : a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: { family: IpFamily; start: bigint; end: bigint }[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && last.family === r.family && r.start <= last.end + 1n) { if (r.end > last.end) last.end = r.end; } else out.push({ ...r });
  }
  return out;
}
