import { Duration } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import { Construct } from 'constructs';

/**
 * Something CloudFormation waits for before it goes on: an object whose
 * JSONPath prints text once it is ready, and nothing before.
 *
 * aws-cdk-lib's kubectl handler runs `kubectl get <type> <name>
 * -o=jsonpath=...` every 10 seconds and succeeds on the first non-empty
 * output (aws-cdk-lib custom-resource-handlers aws-eks/kubectl-handler/get,
 * `wait_for_output`); when the timeout passes it fails the deploy with
 * "Timeout waiting for output from kubectl command", naming the object. So a
 * path that prints `False` while the object is not ready passes at once: the
 * paths here print only on success. Enum-like: pick a factory.
 */
export class ReadinessCheck {
  /**
   * An aggregated API is served: the APIService's condition that is `True`
   * (only `Available` exists), so nothing is printed while it is `False`.
   * Source: kubernetes apiregistration/v1 APIServiceConditionType.
   */
  public static apiServiceAvailable(name: string): ReadinessCheck {
    return new ReadinessCheck('apiservice', name, '.status.conditions[?(@.status=="True")].type', `the APIService ${name} to be Available`);
  }

  /**
   * A CRD is established, so objects of its kind can be created. Only the
   * `Established=True` condition carries the reason `InitialNamesAccepted`
   * (kubernetes staging/src/k8s.io/apiextensions-apiserver/pkg/controller/establish/establishing_controller.go);
   * kubectl's JSONPath has no `&&` and cannot filter a filtered list, so the
   * reason is what tells `True` from `False`.
   */
  public static crdEstablished(name: string): ReadinessCheck {
    return new ReadinessCheck('crd', name, '.status.conditions[?(@.reason=="InitialNamesAccepted")].type', `the CRD ${name} to be established`);
  }

  private constructor(
    /** The kubectl resource type. */
    public readonly objectType: string,
    /** The object name. */
    public readonly objectName: string,
    /** The JSONPath, without braces, as KubernetesObjectValue takes it. */
    public readonly jsonPath: string,
    /** What is waited for, for messages and descriptions. */
    public readonly description: string,
  ) {}

  /** Creates the CloudFormation resource that waits for this check on `cluster`. */
  public waitOn(scope: Construct, id: string, cluster: eks.ICluster, timeout: Duration): eks.KubernetesObjectValue {
    return new eks.KubernetesObjectValue(scope, id, {
      cluster,
      objectType: this.objectType,
      objectName: this.objectName,
      jsonPath: this.jsonPath,
      timeout,
    });
  }
}
