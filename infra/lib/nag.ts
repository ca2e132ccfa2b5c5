import { CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** `<LogicalId>`: how cdk-nag prints a `Ref` to a construct's CloudFormation resource in a finding. */
export function nagRef(construct: IConstruct): string {
  return `<${logicalId(construct)}>`;
}

/** `<LogicalId.Arn>`: how cdk-nag prints `Fn::GetAtt [LogicalId, Arn]` in a finding. */
export function nagArn(construct: IConstruct): string {
  return `<${logicalId(construct)}.Arn>`;
}

function logicalId(construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(element).getLogicalId(element);
}

/**
 * Acknowledges AwsSolutions-IAM5 (wildcard) findings on `scope`, one per `Action::...`/`Resource::...` item,
 * all for the same reason. cdk-nag 3 matches each finding exactly, so a new wildcard still fails the synth.
 */
export function acknowledgeWildcards(scope: IConstruct, reason: string, ...items: string[]): void {
  Validations.of(scope).acknowledge(...items.map((item) => ({ id: `AwsSolutions-IAM5[${item}]`, reason })));
}
