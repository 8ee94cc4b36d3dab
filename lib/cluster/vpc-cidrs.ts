import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

/** The address blocks of a VPC that can be read at synth time. */
export interface KnownVpcCidrs {
  /** IPv4 and IPv6 blocks whose text is known (no tokens). */
  readonly cidrs: readonly string[];
  /**
   * Whether every block of the VPC is in `cidrs`. False when a block is a
   * token (an IPAM allocation, an Amazon-provided IPv6 block) or the VPC is
   * imported (its attributes hold at most the primary block).
   */
  readonly complete: boolean;
  /** Whether the VPC has an IPv6 block (known or not). */
  readonly hasIpv6: boolean;
}

/**
 * The primary, secondary and IPv6 blocks of a VPC, as far as they are known
 * at synth: from the CloudFormation resources of a VPC this app creates, or
 * from `vpcCidrBlock` of an imported one.
 */
export function knownVpcCidrs(vpc: ec2.IVpc): KnownVpcCidrs {
  const cidrs: string[] = [];
  let complete = true;
  let hasIpv6 = false;
  const add = (text: string | undefined) => {
    if (text === undefined || Token.isUnresolved(text)) complete = false;
    else if (!cidrs.includes(text)) cidrs.push(text);
  };
  const resource = vpc.node.defaultChild;
  if (resource instanceof ec2.CfnVPC) {
    add(resource.cidrBlock);
    for (const child of vpc.node.findAll()) {
      if (!(child instanceof ec2.CfnVPCCidrBlock)) continue;
      if (child.amazonProvidedIpv6CidrBlock || child.ipv6CidrBlock !== undefined || child.ipv6Pool !== undefined || child.ipv6IpamPoolId !== undefined) {
        hasIpv6 = true;
        add(child.ipv6CidrBlock);
      } else {
        add(child.cidrBlock);
      }
    }
  } else {
    // An imported VPC tells only its primary block (when given); secondary
    // and IPv6 blocks are not part of its attributes.
    try {
      add(vpc.vpcCidrBlock);
    } catch {
      // imported without vpcCidrBlock
    }
    complete = false;
  }
  return { cidrs, complete, hasIpv6 };
}
