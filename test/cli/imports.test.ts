import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');

/** The modules a TypeScript file loads once compiled (type-only imports are erased), split into static and lazy. */
function requiresOf(file: string): { static: string[]; lazy: string[] } {
  const js = ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
  const lazy = [...js.matchAll(/Promise\.resolve\(\)\.then\(\(\) => (?:__importStar\()?require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
  const all = [...js.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
  return { static: all.filter((m) => !lazy.includes(m)), lazy };
}

function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
}

/** The packages reachable from `entry`: through static requires only, or through lazy ones too. */
function packagesFrom(entry: string, followLazy: boolean): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const r = requiresOf(file);
    for (const spec of followLazy ? [...r.static, ...r.lazy] : r.static) {
      const local = resolve(file, spec);
      if (local) visit(local);
      else if (!spec.startsWith('.')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  };
  visit(entry);
  return packages;
}

describe('the CLI starts fast', () => {
  const entry = path.join(ROOT, 'bin', 'eks-zero-trust.ts');

  test('no command ever loads aws-cdk-lib', () => {
    const all = packagesFrom(entry, true);
    expect(all.has('commander')).toBe(true);
    expect(all.has('cdk8s')).toBe(true); // recommend renders with cdk8s
    expect([...all].filter((p) => p === 'aws-cdk-lib' || p.startsWith('@aws-cdk') || p === '@aws-quickstart')).toEqual([]);
  });

  test('analyze, explain, diff and lint load neither aws-cdk-lib nor cdk8s: recommend loads cdk8s when it runs', () => {
    expect([...packagesFrom(entry, false)].sort()).toEqual(['commander', 'fs', 'js-yaml', 'path']);
  });
});
