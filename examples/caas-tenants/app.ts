import { App, Stack } from 'aws-cdk-lib';
import * as cdk8s from 'cdk8s';
import { PolicyChart, PolicyEngine, SecuredCluster } from 'eks-zero-trust';
import { addCaasTenant } from './tenant';

/** Options of the CaaS example. */
export interface CaasOptions {
  /** How many tenants. The context value `tenants` overrides it. */
  readonly tenants?: number;
  /** The engine; Calico as in the seed. */
  readonly engine?: PolicyEngine;
  /** The stack name. */
  readonly stackName?: string;
  /** Adds cluster-wide guardrails to the tenants' chart. */
  readonly guardrails?: (chart: PolicyChart) => void;
}

/** The tenant names of the example: customer-001, customer-002, ... */
export function tenantNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `customer-${String(i + 1).padStart(3, '0')}`);
}

/**
 * Seed 003: Cloudify as a Service on EKS, one isolated namespace per customer.
 * `cdk synth -c tenants=500` scales it; the template does not grow.
 */
export function buildApp(app: App = new App(), options: CaasOptions = {}): App {
  const stack = new Stack(app, options.stackName ?? 'CaasTenantsStack');
  const cluster = new SecuredCluster(stack, 'Cluster', { engine: options.engine ?? PolicyEngine.calico() });
  const count = Number(app.node.tryGetContext('tenants') ?? options.tenants ?? 3);
  const policies = new PolicyChart(new cdk8s.App(), 'tenants', { target: cluster.engine.target, network: cluster.network });
  for (const customer of tenantNames(count)) addCaasTenant(policies, customer);
  options.guardrails?.(policies);
  cluster.addPolicies('TenantPolicies', { charts: [policies], shards: Math.max(1, Math.ceil(count / 2500)) });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
