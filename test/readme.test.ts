/**
 * Every TypeScript block of the README compiles against the package as a
 * user writes it: each block is a module, given the imports and values the
 * README's prose assumes (an app, a stack, a cluster) unless it binds them.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..');

/** What a block may use without writing it, one binding per line. */
const ASSUMED: readonly [string, string][] = [
  ['App', "import { App } from 'aws-cdk-lib';"],
  ['Stack', "import { Stack } from 'aws-cdk-lib';"],
  ['iam', "import * as iam from 'aws-cdk-lib/aws-iam';"],
  ['eks', "import * as eks from 'aws-cdk-lib/aws-eks';"],
  ['ec2', "import * as ec2 from 'aws-cdk-lib/aws-ec2';"],
  ['blueprints', "import * as blueprints from '@aws-quickstart/eks-blueprints';"],
  ['cdk8s', "import * as cdk8s from 'cdk8s';"],
  ['KubectlV35Layer', "import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';"],
  ...['CiliumMode', 'PolicyEngine', 'PolicyEngineInstallation', 'SecuredCluster', 'Peer', 'PolicyChart', 'Port', 'ZeroTrustNamespace', 'PolicyManifests']
    .map((name): [string, string] => [name, `import { ${name} } from 'eks-zero-trust';`]),
  ['app', 'declare const app: App;'],
  ['stack', 'declare const stack: Stack;'],
  ['secured', 'declare const secured: SecuredCluster;'],
  ['egressPolicy', 'declare const egressPolicy: iam.IManagedPolicy;'],
  ['vpc', 'declare const vpc: ec2.IVpc;'],
  ['oidcArn', 'declare const oidcArn: string;'],
  ['policyChart', 'declare const policyChart: cdk8s.Chart;'],
  ['workloadChart', 'declare const workloadChart: cdk8s.Chart;'],
  ['expect', ''],
];

/** The names a block binds itself: imports and top-level declarations. */
function bound(code: string): Set<string> {
  const names = new Set<string>();
  for (const m of code.matchAll(/^import\s+(?:\*\s+as\s+(\w+)|\{([^}]*)\}|(\w+))/gm)) {
    if (m[1]) names.add(m[1]);
    if (m[3]) names.add(m[3]);
    for (const n of (m[2] ?? '').split(',')) if (n.trim()) names.add(n.trim().split(/\s+as\s+/).pop()!);
  }
  for (const m of code.matchAll(/^(?:const|let|class|function)\s+(\w+)/gm)) names.add(m[1]);
  return names;
}

test('every TypeScript block of the README type-checks against the package', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  expect(blocks.length).toBeGreaterThan(5);
  const files = new Map<string, string>();
  blocks.forEach((code, i) => {
    const own = bound(code);
    const prelude = ASSUMED.filter(([name, line]) => line && !own.has(name)).map(([, line]) => line);
    // Imports first (a module's imports may not follow statements it uses them in), then the block.
    const imports = prelude.filter((l) => l.startsWith('import'));
    const declares = prelude.filter((l) => !l.startsWith('import'));
    files.set(path.join(ROOT, 'test', `readme-block-${i + 1}.ts`), [...imports, ...declares, code, 'export {};'].join('\n'));
  });
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, noUnusedLocals: false, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (f) => files.get(path.resolve(f)) ?? readFile(f);
  host.fileExists = (f) => files.has(path.resolve(f)) || fileExists(f);
  const program = ts.createProgram([...files.keys()], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file && files.has(path.resolve(d.file.fileName)))
    // Top-level await in a block stands for code inside an async function.
    .filter((d) => d.code !== 1375 && d.code !== 1378);
  const text = diagnostics.map((d) => `${path.basename(d.file!.fileName)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  expect(text).toEqual([]);
}, 120_000);
