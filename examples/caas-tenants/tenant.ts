import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Peer, Port, ZeroTrustNamespace } from 'eks-zero-trust';

/** The labels of a CaaS tenant's three workloads (seed 003). */
export const CAAS_APPS = { manager: 'cloudify-manager', postgres: 'postgres', rabbitmq: 'rabbitmq' } as const;

/** RabbitMQ's AMQP, AMQPS, management and management-TLS ports. */
export const RABBITMQ_PORTS = [5672, 5671, 15672, 15671] as const;

/**
 * One Cloudify-as-a-Service tenant: its own namespace where nothing talks
 * unless allowed. The manager is reachable on 80/443 from anywhere, reaches
 * postgres and rabbitmq on their ports and the internet (never private
 * ranges); postgres and rabbitmq reach nothing; every pod resolves names.
 */
export function addCaasTenant(chart: Chart, customer: string): ZeroTrustNamespace {
  const tenant = new ZeroTrustNamespace(chart, `tenant-${customer}`);
  const manager = tenant.pods({ app: CAAS_APPS.manager });
  const postgres = tenant.pods({ app: CAAS_APPS.postgres });
  const rabbitmq = tenant.pods({ app: CAAS_APPS.rabbitmq });
  tenant.allow(Peer.anyone(), manager, [Port.tcp(80), Port.tcp(443)], { name: 'web-to-cloudify-manager' });
  tenant.allow(manager, postgres, [Port.tcp(5432)]);
  tenant.allow(manager, rabbitmq, RABBITMQ_PORTS.map((p) => Port.tcp(p)));
  tenant.allowInternetEgress(manager);
  return tenant;
}

/**
 * The tenant's workloads as cdk8s-plus objects. The seed installs them with
 * Helm charts; here they exist so tests can analyze connectivity offline.
 */
export function addCaasWorkloads(chart: Chart, customer: string): void {
  const namespace = `tenant-${customer}`;
  const workload = (app: string, image: string, ports: readonly number[]) => new kplus.Deployment(chart, `${customer}-${app}`, {
    metadata: { name: app, namespace },
    podMetadata: { labels: { app } },
    select: false,
    containers: [{ image, ports: ports.map((number) => ({ number })), securityContext: { ensureNonRoot: false } }],
  }).select(kplus.LabelSelector.of({ labels: { app } }));
  workload(CAAS_APPS.manager, 'cloudifyplatform/premium-cloudify-manager-aio:latest', [80, 443]);
  workload(CAAS_APPS.postgres, 'postgres:16', [5432]);
  workload(CAAS_APPS.rabbitmq, 'rabbitmq:3-management', RABBITMQ_PORTS);
  // The seed's test pod: nothing may reach it, and the manager may not reach it either.
  workload('web', 'gcr.io/google-samples/hello-app:1.0', [8080]);
}
