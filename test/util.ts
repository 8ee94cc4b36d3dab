import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/**
 * An app for unit tests. Asset staging is disabled: synthesizing an EKS stack
 * would otherwise copy the kubectl layer (tens of MB) into every test's outdir.
 */
export function testApp(): App {
  return new App({ context: { 'aws:cdk:disable-asset-staging': true, '@aws-cdk/core:defaultCrossStackReferences': 'strong' } });
}

/** A stack in a fresh test app. */
export function testStack(id = 'TestStack'): Stack {
  return new Stack(testApp(), id);
}

/** The resources of one CloudFormation type, by logical id. */
export function resourcesOfType(template: Template, type: string): { [id: string]: { Properties: { [key: string]: unknown }; DependsOn?: string[] } } {
  return template.findResources(type) as { [id: string]: { Properties: { [key: string]: unknown }; DependsOn?: string[] } };
}

/** The parsed Helm values of the chart with the given name. */
export function helmValues(template: Template, chart: string): { [key: string]: unknown } {
  const charts = Object.values(resourcesOfType(template, 'Custom::AWSCDK-EKS-HelmChart')).filter((r) => r.Properties.Chart === chart);
  if (charts.length !== 1) throw new Error(`expected one ${chart} chart, found ${charts.length}`);
  const values = charts[0].Properties.Values;
  return typeof values === 'string' ? JSON.parse(values) : {};
}

/** The logical id of the only resource of a type whose properties contain `props`. */
export function logicalIdOf(template: Template, type: string, predicate: (props: { [key: string]: unknown }) => boolean = () => true): string {
  const ids = Object.entries(resourcesOfType(template, type)).filter(([, r]) => predicate(r.Properties)).map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0];
}

/** Joins an `Fn::Join` of literals (tokens become `<token>`), or returns a plain string. */
export function joinedText(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return '<token>';
  return join[1].map((part) => (typeof part === 'string' ? part : '<token>')).join(join[0]);
}

/** The manifests of every KubernetesResource in the template, parsed (tokens as `<token>`). */
export function embeddedManifests(template: Template): Array<{ [key: string]: unknown }> {
  return Object.values(resourcesOfType(template, 'Custom::AWSCDK-EKS-KubernetesResource'))
    .flatMap((r) => JSON.parse(joinedText(r.Properties.Manifest)) as Array<{ [key: string]: unknown }>);
}
