import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
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
  return values === undefined ? {} : JSON.parse(joinedText(values));
}

/** The logical id of the only resource of a type whose properties contain `props`. */
export function logicalIdOf(template: Template, type: string, predicate: (props: { [key: string]: unknown }) => boolean = () => true): string {
  const ids = Object.entries(resourcesOfType(template, type)).filter(([, r]) => predicate(r.Properties)).map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0];
}

/** A short text for a CloudFormation token: `<Id.Attr>` for Fn::GetAtt, `<Id>` for Ref, `<token>` otherwise. */
export function tokenText(value: unknown): string {
  const o = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof o?.Ref === 'string') return `<${o.Ref}>`;
  if (Array.isArray(o?.['Fn::GetAtt'])) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
  return '<token>';
}

/** Joins an `Fn::Join` of literals (tokens become `<Id.Attr>`, see tokenText), or returns a plain string. */
export function joinedText(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) return tokenText(value);
  return join[1].map((part) => (typeof part === 'string' ? part : tokenText(part))).join(join[0]);
}

/** The manifests of every KubernetesResource in the template, parsed (tokens as `<token>`). */
export function embeddedManifests(template: Template): Array<{ [key: string]: unknown }> {
  return Object.values(resourcesOfType(template, 'Custom::AWSCDK-EKS-KubernetesResource'))
    .flatMap((r) => JSON.parse(joinedText(r.Properties.Manifest)) as Array<{ [key: string]: unknown }>);
}

/** The logical ids a resource waits for in CloudFormation: its DependsOn, and every Ref, Fn::GetAtt and Fn::Sub reference. */
function directDependencies(resource: { DependsOn?: string | string[]; Properties?: unknown }): Set<string> {
  const out = new Set<string>(typeof resource.DependsOn === 'string' ? [resource.DependsOn] : resource.DependsOn ?? []);
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) { v.forEach(visit); return; }
    if (v === null || typeof v !== 'object') return;
    const o = v as { [key: string]: unknown };
    if (typeof o.Ref === 'string') out.add(o.Ref);
    const getAtt = o['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') out.add(getAtt[0]);
    if (typeof getAtt === 'string') out.add(getAtt.split('.')[0]);
    const sub = o['Fn::Sub'];
    const subText = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
    if (subText) for (const m of subText.matchAll(/\$\{([A-Za-z0-9]+)(\.[^}]*)?\}/g)) out.add(m[1]);
    Object.values(o).forEach(visit);
  };
  visit(resource.Properties);
  return out;
}

/**
 * Whether CloudFormation creates `to` before `from`: `to` is reachable from
 * `from` through DependsOn and references, as CloudFormation orders them.
 */
export function waitsFor(template: Template, from: string, to: string): boolean {
  const resources = template.toJSON().Resources as { [id: string]: { DependsOn?: string | string[]; Properties?: unknown } };
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    for (const d of directDependencies(resources[id] ?? {})) {
      if (d === to) return true;
      if (!seen.has(d) && resources[d]) { seen.add(d); stack.push(d); }
    }
  }
  return false;
}

/** The logical id of the (first) CloudFormation resource of a construct. */
export function logicalIdOfConstruct(construct: IConstruct): string {
  const resource = construct.node.findAll().find((c): c is CfnResource => CfnResource.isCfnResource(c));
  if (!resource) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(resource).getLogicalId(resource);
}
