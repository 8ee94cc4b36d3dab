import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SecuredCluster } from '../../lib';
import { AWS_SOLUTIONS_ACKNOWLEDGEMENTS, acknowledgeAwsSolutions } from '../nag-acknowledgements';

interface Violation {
  readonly ruleName: string;
  readonly severity: string;
  readonly violatingResources: Array<{ readonly constructPath: string }>;
}

/** Runs the AwsSolutions pack on an app and returns its unacknowledged errors. */
function nagErrors(app: App): string[] {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  // aws-cdk-lib sets process.exitCode = 1 when a validation plugin reports a
  // failure, which would fail the whole jest run after this test passes.
  const exitCode = process.exitCode;
  try {
    app.synth();
  } finally {
    quiet.mockRestore();
    process.exitCode = exitCode;
  }
  const report = JSON.parse(fs.readFileSync(path.join(app.outdir, 'policy-validation-report.json'), 'utf8')) as { pluginReports: Array<{ violations: Violation[] }> };
  return report.pluginReports.flatMap((r) => r.violations)
    .filter((v) => v.severity === 'error')
    .flatMap((v) => v.violatingResources.map((res) => `${v.ruleName} at ${res.constructPath}`));
}

test('cdk-nag AwsSolutions reports no unacknowledged errors on the default SecuredCluster', () => {
  // GIVEN the default secured cluster, with the documented acknowledgements
  const app = new App({ context: { 'aws:cdk:disable-asset-staging': true, '@aws-cdk/core:validationReportJson': true } });
  const stack = new Stack(app, 'NagStack');
  const secured = new SecuredCluster(stack, 'Cluster');
  acknowledgeAwsSolutions(stack, secured);
  // WHEN the pack runs, THEN nothing is left
  expect(nagErrors(app)).toEqual([]);
});

test('every acknowledgement is scoped to one resource and gives a reason', () => {
  for (const ack of AWS_SOLUTIONS_ACKNOWLEDGEMENTS) {
    expect(ack.path).not.toMatch(/^\/?$/);
    expect(ack.reason.length).toBeGreaterThan(40);
  }
  // The count the README reports.
  expect(AWS_SOLUTIONS_ACKNOWLEDGEMENTS.length).toMatchSnapshot();
});

test('without acknowledgements the pack does find the aws-cdk-lib provider findings', () => {
  const app = new App({ context: { 'aws:cdk:disable-asset-staging': true, '@aws-cdk/core:validationReportJson': true } });
  new SecuredCluster(new Stack(app, 'NagStack'), 'Cluster');
  const errors = nagErrors(app);
  expect(errors).toContain('AwsSolutions-L1 at NagStack/@aws-cdk--aws-eks.KubectlProvider/Handler/Resource');
  expect(errors.some((e) => e.startsWith('AwsSolutions-EKS1') || e.startsWith('AwsSolutions-EKS2'))).toBe(false);
});
