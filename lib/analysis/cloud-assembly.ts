/**
 * Reads what `cdk synth` wrote (a cloud assembly, `cdk.out/`) as the
 * manifests it delivers: the objects of every EKS KubernetesResource in the
 * stacks' templates (nested stacks included) and the templates of the Helm
 * chart assets they install (the policy releases this library writes).
 * CloudFormation files, Lambda bundles and charts pulled from repositories
 * are not manifests and are skipped quietly.
 */
import * as fs from 'fs';
import * as path from 'path';
import { appendResult, InputProblem, LoadResult, loadText, SourcedObject } from './load';

/** Options of reading a cloud assembly. */
export interface CloudAssemblyOptions {
  /**
   * Read only these stacks (their display name or artifact id).
   * @default every stack
   */
  readonly stacks?: readonly string[];
}

type Json = { [key: string]: unknown };

/** Whether `dir` is a cloud assembly: a directory with a `manifest.json` listing artifacts. */
export function isCloudAssembly(dir: string): boolean {
  try {
    if (!fs.statSync(dir).isDirectory()) return false;
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Json;
    return typeof manifest.artifacts === 'object' && manifest.artifacts !== null;
  } catch {
    return false;
  }
}

/** The stacks of an assembly, as `{ id, name, template }`. */
export function assemblyStacks(dir: string): { id: string; name: string; template: string }[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { artifacts: { [id: string]: Json } };
  return Object.entries(manifest.artifacts)
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([id, a]) => ({ id, name: typeof a.displayName === 'string' ? a.displayName : id, template: String((a.properties as Json | undefined)?.templateFile ?? '') }))
    .filter((s) => s.template !== '');
}

/**
 * Reads the manifests a cloud assembly delivers. Each object's source is
 * `<template file>#<logical id>` for inline manifests and the chart template
 * file for chart assets. An unknown `--stack` is an error naming the stacks
 * there are.
 */
export function loadCloudAssembly(dir: string, options: CloudAssemblyOptions = {}): LoadResult {
  const stacks = assemblyStacks(dir);
  const wanted = options.stacks ?? [];
  const unknown = wanted.filter((w) => !stacks.some((s) => s.id === w || s.name === w));
  if (unknown.length > 0) throw new Error(`${dir} has no stack ${unknown.map((u) => JSON.stringify(u)).join(', ')}; it has ${stacks.map((s) => s.name).join(', ') || 'none'}`);
  const objects: SourcedObject[] = [];
  const problems: InputProblem[] = [];
  const add = (result: LoadResult) => appendResult({ objects, problems }, result);
  for (const stack of stacks.filter((s) => wanted.length === 0 || wanted.includes(s.id) || wanted.includes(s.name))) {
    for (const { file, resources } of templatesOf(dir, stack.template)) {
      for (const [logicalId, resource] of Object.entries(resources)) {
        const props = (resource.Properties ?? {}) as Json;
        if (resource.Type === 'Custom::AWSCDK-EKS-KubernetesResource' && props.Manifest !== undefined) {
          add(loadText(tokensAsText(props.Manifest), `${file}#${logicalId}`));
        } else if (resource.Type === 'Custom::AWSCDK-EKS-HelmChart' && props.ChartAssetURL !== undefined) {
          const hash = /([0-9a-f]{64})\.zip/.exec(JSON.stringify(props.ChartAssetURL))?.[1];
          const chartDir = hash ? path.join(dir, `asset.${hash}`) : undefined;
          if (!chartDir || !fs.existsSync(path.join(chartDir, 'templates'))) {
            problems.push({ file: `${file}#${logicalId}`, index: 0, field: 'ChartAssetURL', message: 'names a chart asset that is not a directory in the assembly (synthesized with asset staging off?): its manifests are not read' });
            continue;
          }
          for (const t of fs.readdirSync(path.join(chartDir, 'templates')).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()) {
            const text = fs.readFileSync(path.join(chartDir, 'templates', t), 'utf8').replace(/\{\{"\{\{"\}\}/g, '{{');
            add(loadText(text, path.join(chartDir, 'templates', t)));
          }
        }
      }
    }
  }
  return { objects, problems };
}

/** A stack's template and its nested stacks' templates (from their `aws:asset:path`), in order, each read once. */
function templatesOf(dir: string, template: string): { file: string; resources: { [id: string]: Json } }[] {
  const out: { file: string; resources: { [id: string]: Json } }[] = [];
  const visit = (t: string) => {
    const file = path.join(dir, t);
    if (out.some((x) => x.file === file) || !fs.existsSync(file)) return;
    const resources = ((JSON.parse(fs.readFileSync(file, 'utf8')) as Json).Resources ?? {}) as { [id: string]: Json };
    out.push({ file, resources });
    for (const r of Object.values(resources)) {
      const nested = (r.Metadata as Json | undefined)?.['aws:asset:path'];
      if (r.Type === 'AWS::CloudFormation::Stack' && typeof nested === 'string') visit(nested);
    }
  };
  visit(template);
  return out;
}

/**
 * A template value as text: a string as it is, `Fn::Join` joined, and any
 * other token (a Ref, a GetAtt) as `${Token}` text, which keeps the JSON of
 * a manifest readable where a token stands for an ARN or a name.
 */
function tokensAsText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const join = (value as Json)['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) return join[1].map(tokensAsText).join(join[0]);
  }
  return '${Token}';
}
