import { Problems } from '../core/errors';
import { portNameError, portNumberError } from '../core/names';

/** An L4 protocol a policy port can name. */
export enum Protocol {
  /** TCP. */
  TCP = 'TCP',
  /** UDP. */
  UDP = 'UDP',
  /** SCTP. */
  SCTP = 'SCTP',
  /** ICMP (IPv4). Matched by type and code, not ports; Kubernetes NetworkPolicy cannot name it. */
  ICMP = 'ICMP',
  /** ICMPv6. */
  ICMPV6 = 'ICMPv6',
}

/** The protocols that carry ports. */
const PORT_PROTOCOLS: readonly Protocol[] = [Protocol.TCP, Protocol.UDP, Protocol.SCTP];

/**
 * One port, port range or named port of a rule. Build with the static
 * factories; numbers and names are checked where the port is used.
 */
export class Port {
  /** A TCP port. */
  public static tcp(port: number): Port {
    return new Port(Protocol.TCP, port, undefined, undefined);
  }

  /** A UDP port. */
  public static udp(port: number): Port {
    return new Port(Protocol.UDP, port, undefined, undefined);
  }

  /** An SCTP port. */
  public static sctp(port: number): Port {
    return new Port(Protocol.SCTP, port, undefined, undefined);
  }

  /** An inclusive port range `from`-`to` (Kubernetes `endPort`). */
  public static range(protocol: Protocol, from: number, to: number): Port {
    return new Port(protocol, from, to, undefined);
  }

  /** A named container port (`containerPort.name`), resolved per destination pod. */
  public static named(name: string, protocol: Protocol = Protocol.TCP): Port {
    return new Port(protocol, undefined, undefined, name);
  }

  /** Every port of one protocol (every message of ICMP or ICMPv6). */
  public static allOf(protocol: Protocol): Port {
    return new Port(protocol, undefined, undefined, undefined);
  }

  /**
   * ICMP messages of a type (and code), such as `Port.icmp(8)` for echo
   * requests (ping); every ICMP message without arguments. Calico matches
   * type and code, Cilium the type only; Kubernetes NetworkPolicy has no ICMP.
   */
  public static icmp(type?: number, code?: number): Port {
    return new Port(Protocol.ICMP, undefined, undefined, undefined, type, code);
  }

  /** ICMPv6 messages of a type (and code), such as `Port.icmpv6(128)` (echo request). */
  public static icmpv6(type?: number, code?: number): Port {
    return new Port(Protocol.ICMPV6, undefined, undefined, undefined, type, code);
  }

  private constructor(
    /** The protocol. */
    public readonly protocol: Protocol,
    /** The port number, or the first of a range; undefined for named and all-ports. */
    public readonly port: number | undefined,
    /** The last port of a range. */
    public readonly endPort: number | undefined,
    /** The container port name. */
    public readonly name: string | undefined,
    /** The ICMP type (ICMP and ICMPv6 only). */
    public readonly icmpType?: number,
    /** The ICMP code (ICMP and ICMPv6 only, with a type). */
    public readonly icmpCode?: number,
  ) {}

  /** Whether the protocol is ICMP or ICMPv6, which carry types instead of ports. */
  public get isIcmp(): boolean {
    return !PORT_PROTOCOLS.includes(this.protocol);
  }

  /** Whether the port matches every port of its protocol. */
  public get isAllPorts(): boolean {
    return this.port === undefined && this.name === undefined && this.icmpType === undefined;
  }

  /** A stable short text: `TCP/80`, `TCP/8000-8080`, `TCP/http`, `UDP/*`, `ICMP/8/0`. */
  public describe(): string {
    if (this.isIcmp) return `${this.protocol}/${this.icmpType ?? '*'}${this.icmpCode !== undefined ? `/${this.icmpCode}` : ''}`;
    if (this.name !== undefined) return `${this.protocol}/${this.name}`;
    if (this.port === undefined) return `${this.protocol}/*`;
    return this.endPort !== undefined ? `${this.protocol}/${this.port}-${this.endPort}` : `${this.protocol}/${this.port}`;
  }

  /** Records every invalid number, range or name of this port. */
  public validate(problems: Problems, path: string, property: string): void {
    if (!Object.values(Protocol).includes(this.protocol)) {
      problems.add({ path, property: `${property} protocol`, value: this.protocol, problem: 'is not TCP, UDP, SCTP, ICMP or ICMPv6', fix: 'use Protocol.TCP, Protocol.UDP or Protocol.SCTP, or Port.icmp()' });
    }
    if (this.isIcmp) {
      // Calico's ICMP type is 0-254 and code 0-255 (projectcalico.org/v3 rule icmp field).
      if (this.icmpType !== undefined && !(Number.isInteger(this.icmpType) && this.icmpType >= 0 && this.icmpType <= 254)) {
        problems.add({ path, property: `${property} ICMP type`, value: this.icmpType, problem: 'is not a whole number from 0 to 254', fix: 'use an ICMP type such as 8 (echo request)' });
      }
      if (this.icmpCode !== undefined && !(Number.isInteger(this.icmpCode) && this.icmpCode >= 0 && this.icmpCode <= 255)) {
        problems.add({ path, property: `${property} ICMP code`, value: this.icmpCode, problem: 'is not a whole number from 0 to 255', fix: 'use an ICMP code such as 0' });
      }
      if (this.icmpCode !== undefined && this.icmpType === undefined) {
        problems.add({ path, property: `${property} ICMP code`, value: this.icmpCode, problem: 'is given without a type', fix: 'give the type too, such as Port.icmp(3, 4)' });
      }
      return;
    }
    if (this.name !== undefined) {
      const error = portNameError(this.name);
      if (error) problems.add({ path, property, value: this.name, problem: `${error} so it cannot name a container port`, fix: 'use the exact `name` of the container port, such as "http" or "metrics"' });
      return;
    }
    if (this.port === undefined) return;
    const error = portNumberError(this.port);
    if (error) problems.add({ path, property, value: this.port, problem: error, fix: 'use a port between 1 and 65535' });
    if (this.endPort !== undefined) {
      const endError = portNumberError(this.endPort);
      if (endError) problems.add({ path, property: `${property} end`, value: this.endPort, problem: endError, fix: 'use a port between 1 and 65535' });
      else if (!error && this.endPort < this.port) {
        problems.add({ path, property: `${property} range`, value: `${this.port}-${this.endPort}`, problem: 'ends before it starts', fix: `write Port.range(${this.protocol === Protocol.TCP ? 'Protocol.TCP' : `Protocol.${this.protocol}`}, ${this.endPort}, ${this.port})` });
      }
    }
  }
}
