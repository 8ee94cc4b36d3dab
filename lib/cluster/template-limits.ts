import { Annotations, CfnElement, CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** CloudFormation's limits on one template. */
export const CLOUDFORMATION_LIMITS = {
  /** Maximum template body size in bytes (when uploaded through S3). */
  templateBytes: 1_000_000,
  /** Maximum number of resources. */
  resources: 500,
  /** Warn when a stack is within this fraction of a limit. */
  warningMargin: 0.1,
} as const;

/** The stable id of the warning about templates close to CloudFormation's limits. */
export const TEMPLATE_LIMITS_WARNING = 'eks-zero-trust:template-near-limit';

const CHECKED = new WeakSet<Stack>();

/** The resources that land in `stack`'s own template (not its nested stacks'). */
function ownResources(stack: Stack): CfnResource[] {
  const found: CfnResource[] = [];
  const visit = (c: IConstruct): void => {
    if (c !== stack && (Stack.isStack(c) || NestedStack.isNestedStack(c))) return;
    if (CfnResource.isCfnResource(c)) found.push(c);
    for (const child of c.node.children) visit(child);
  };
  visit(stack);
  return found;
}

interface InternalCfnElement {
  _toCloudFormation(): object;
}

/**
 * Estimates the template size of `stack` from its resources as they will be
 * rendered. Uses the same per-element rendering that synthesis uses.
 */
export function estimateTemplate(stack: Stack): { bytes: number; resources: number } {
  const resources = ownResources(stack);
  let bytes = 0;
  for (const element of resources as CfnElement[]) {
    const rendered = stack.resolve((element as unknown as InternalCfnElement)._toCloudFormation());
    bytes += JSON.stringify(rendered).length;
  }
  return { bytes, resources: resources.length };
}

/**
 * Adds, once per stack, a check that warns at synth time when the stack's
 * template is within 10% of CloudFormation's size or resource-count limit.
 */
export function addTemplateLimitsCheck(stack: Stack): void {
  if (CHECKED.has(stack)) return;
  CHECKED.add(stack);
  stack.node.addValidation({
    validate: () => {
      const { bytes, resources } = estimateTemplate(stack);
      const byteLimit = CLOUDFORMATION_LIMITS.templateBytes;
      const resourceLimit = CLOUDFORMATION_LIMITS.resources;
      const near = 1 - CLOUDFORMATION_LIMITS.warningMargin;
      if (bytes >= byteLimit * near) {
        Annotations.of(stack).addWarningV2(TEMPLATE_LIMITS_WARNING, `The template of ${stack.node.path} is about ${bytes} bytes, within 10% of CloudFormation's ${byteLimit}-byte limit. Move policies to a chart asset (ZeroTrustPolicies) or split the stack.`);
      }
      if (resources >= resourceLimit * near) {
        Annotations.of(stack).addWarningV2(TEMPLATE_LIMITS_WARNING, `The template of ${stack.node.path} has ${resources} resources, within 10% of CloudFormation's ${resourceLimit}-resource limit. Deliver policies as one chart asset (ZeroTrustPolicies) or split the stack.`);
      }
      return [];
    },
  });
}
