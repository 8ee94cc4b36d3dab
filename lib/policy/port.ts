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
}

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

  /** Every port of one protocol. */
  public static allOf(protocol: Protocol): Port {
    return new Port(protocol, undefined, undefined, undefined);
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
  ) {}

  /** Whether the port matches every port of its protocol. */
  public get isAllPorts(): boolean {
    return this.port === undefined && this.name === undefined;
  }

  /** A stable short text: `TCP/80`, `TCP/8000-8080`, `TCP/http`, `UDP/*`. */
  public describe(): string {
    if (this.name !== undefined) return `${this.protocol}/${this.name}`;
    if (this.port === undefined) return `${this.protocol}/*`;
    return this.endPort !== undefined ? `${this.protocol}/${this.port}-${this.endPort}` : `${this.protocol}/${this.port}`;
  }

  /** Records every invalid number, range or name of this port. */
  public validate(problems: Problems, path: string, property: string): void {
    if (!Object.values(Protocol).includes(this.protocol)) {
      problems.add({ path, property: `${property} protocol`, value: this.protocol, problem: 'is not TCP, UDP or SCTP', fix: 'use Protocol.TCP, Protocol.UDP or Protocol.SCTP' });
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
