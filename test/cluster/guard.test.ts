import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CiliumMode, PolicyEngine, SecuredCluster } from '../../lib';
import { guardFindings, unacknowledged } from '../guard';
import { CONTROL_TOWER_ACKNOWLEDGEMENTS } from '../guard-acknowledgements';

function synthesize(engine?: PolicyEngine): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-'));
  const app = new App({ outdir, context: { 'aws:cdk:disable-asset-staging': true } });
  new SecuredCluster(new Stack(app, 'GuardStack'), 'Cluster', { engine });
  app.synth();
  return outdir;
}

describe('AWS Control Tower proactive controls (cfn-guard)', () => {
  test.each([
    ['Calico', undefined],
    ['Cilium ENI mode', PolicyEngine.cilium({ mode: CiliumMode.ENI })],
    ['VPC CNI', PolicyEngine.vpcCni()],
  ])('a SecuredCluster with %s has no unacknowledged findings, nested stacks included', (_name, engine) => {
    const findings = guardFindings(synthesize(engine));
    expect(findings.length).toBeGreaterThan(0); // the pack ran and found the acknowledged ones
    expect(unacknowledged(findings, CONTROL_TOWER_ACKNOWLEDGEMENTS)).toEqual([]);
  });

  test('the pack finds what the hardening removed when it is missing', () => {
    // GIVEN a stack with an unencrypted log group
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-'));
    const app = new App({ outdir });
    new logs.LogGroup(new Stack(app, 'Plain'), 'Logs');
    app.synth();
    // THEN the rule that the secured cluster satisfies fires here
    expect(guardFindings(outdir).map((f) => f.rule)).toContain('cloudwatch_log_group_encrypted_check');
  });

  test('every acknowledgement gives a reason', () => {
    for (const ack of CONTROL_TOWER_ACKNOWLEDGEMENTS) expect(ack.reason.length).toBeGreaterThan(40);
  });
});
