import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { ReadinessCheck } from '../../lib/cluster/engines/readiness';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { layerBinary } = require('../../scripts/layer-binaries') as { layerBinary(name: string): string };

/**
 * Runs a readiness check's JSONPath through the kubectl the aws-eks handler
 * runs (from the kubectl layer), exactly as its `get` handler passes it
 * (`-o=jsonpath='{PATH}'`, output stripped of the quotes), on an object read
 * from a file instead of the API server (`label --local` prints the object
 * through the same printer).
 */
function handlerOutput(check: ReadinessCheck, object: object): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readiness-'));
  const file = path.join(dir, 'object.yaml');
  fs.writeFileSync(file, yaml.dump(object));
  const out = execFileSync(layerBinary('kubectl'), ['label', '--local', '-f', file, 'probe=1', `-o=jsonpath='{${check.jsonPath}}'`], { env: { ...process.env, KUBECONFIG: '/dev/null' } }).toString('utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  return out.slice(1, -1);
}

const apiService = (status: string) => ({
  apiVersion: 'apiregistration.k8s.io/v1',
  kind: 'APIService',
  metadata: { name: 'v3.projectcalico.org' },
  spec: { group: 'projectcalico.org', version: 'v3', groupPriorityMinimum: 1500, versionPriority: 200 },
  status: { conditions: [{ type: 'Available', status, reason: status === 'True' ? 'Passed' : 'MissingEndpoints' }] },
});

const crd = (established?: { status: string; reason: string }) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'ciliumnetworkpolicies.cilium.io' },
  spec: { group: 'cilium.io', names: { kind: 'CiliumNetworkPolicy', plural: 'ciliumnetworkpolicies' }, scope: 'Namespaced', versions: [] },
  status: { conditions: [{ type: 'NamesAccepted', status: 'True', reason: 'NoConflicts' }, ...(established ? [{ type: 'Established', ...established }] : [])] },
});

describe('the Calico API server check, as the kubectl handler runs it', () => {
  const check = ReadinessCheck.apiServiceAvailable('v3.projectcalico.org');

  test('prints nothing while the APIService is not Available, so the handler keeps waiting', () => {
    expect(handlerOutput(check, apiService('False'))).toBe('');
  });

  test('prints once it is Available', () => {
    expect(handlerOutput(check, apiService('True'))).toBe('Available');
  });

  test('the old path printed "False" at once, which the handler took as ready', () => {
    const old = { ...check, jsonPath: '.status.conditions[?(@.type=="Available")].status' } as ReadinessCheck;
    expect(handlerOutput(old, apiService('False'))).toBe('False');
  });
});

describe('the CRD established check', () => {
  const check = ReadinessCheck.crdEstablished('ciliumnetworkpolicies.cilium.io');

  test('prints nothing before the CRD is established, even with its names accepted', () => {
    expect(handlerOutput(check, crd())).toBe('');
    expect(handlerOutput(check, crd({ status: 'False', reason: 'Installing' }))).toBe('');
  });

  test('prints once it is established', () => {
    expect(handlerOutput(check, crd({ status: 'True', reason: 'InitialNamesAccepted' }))).toBe('Established');
  });
});
