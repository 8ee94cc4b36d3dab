import { CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { addTemplateLimitsCheck, estimateTemplate, TEMPLATE_LIMITS_WARNING } from '../../lib';
import { testStack } from '../util';

function fill(stack: Stack, count: number, bytesEach = 10): void {
  for (let i = 0; i < count; i++) {
    new CfnResource(stack, `R${i}`, { type: 'AWS::SSM::Parameter', properties: { Type: 'String', Value: 'x'.repeat(bytesEach) } });
  }
}

test('the estimate counts resources and bytes of the stack itself', () => {
  const stack = testStack();
  fill(stack, 3, 100);
  const estimate = estimateTemplate(stack);
  expect(estimate.resources).toBe(3);
  expect(estimate.bytes).toBeGreaterThan(300);
});

test('a stack within 10% of the 500-resource limit gets a warning with a stable id', () => {
  const stack = testStack();
  fill(stack, 455);
  addTemplateLimitsCheck(stack);
  Annotations.fromStack(stack).hasWarning('/TestStack', Match.stringLikeRegexp(`has 455 resources, within 10% of CloudFormation's 500-resource limit.*\\[ack: ${TEMPLATE_LIMITS_WARNING}\\]`));
});

test('a stack within 10% of the 1,000,000-byte limit gets a warning', () => {
  const stack = testStack();
  fill(stack, 10, 95_000);
  addTemplateLimitsCheck(stack);
  Annotations.fromStack(stack).hasWarning('/TestStack', Match.stringLikeRegexp('within 10% of CloudFormation\'s 1000000-byte limit'));
});

test('a small stack gets no warning', () => {
  const stack = testStack();
  fill(stack, 10);
  addTemplateLimitsCheck(stack);
  Annotations.fromStack(stack).hasNoWarning('/TestStack', Match.anyValue());
});
