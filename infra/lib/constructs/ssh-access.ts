import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { Cluster } from 'aws-cdk-lib/aws-ecs';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnDocument } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { FARGATE_TASK_LAYOUT, MACHINE_SSH_PORT } from '../../../shared/model/resource-classes';
import { acknowledgeWildcards } from '../nag';

export interface SshAccessProps {
  /** The cluster of Fargate job tasks (ECS Exec into their primary container). */
  readonly cluster: Cluster;
}

/**
 * The AWS side of rerun with SSH, without a single inbound port. EC2 machines: a Session document like
 * `AWS-StartSSHSession` but forwarding to the agent's SSH port only (users run `ssh` with `aws ssm start-session`
 * as ProxyCommand; the agent still checks their registered key). Fargate: ECS Exec into the primary container.
 * `SshUsersPolicy`: what a developer's IAM identity needs for both, to attach to the people who may debug jobs.
 */
export class SshAccess extends Construct {
  /** The Session document (its name is what `ssm start-session --document-name` takes). */
  readonly document: CfnDocument;
  readonly usersPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: SshAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const port = String(MACHINE_SSH_PORT);
    this.document = new CfnDocument(this, 'MachineSshDocument', {
      documentType: 'Session',
      documentFormat: 'JSON',
      updateMethod: 'NewVersion',
      content: {
        schemaVersion: '1.0',
        description: "Slipway: SSH into an EC2 machine job rerun with SSH (stdio forwarding to the agent's SSH port on loopback, no other port)",
        sessionType: 'Port',
        parameters: { portNumber: { type: 'String', description: "The agent's SSH port (fixed).", allowedValues: [port], default: port } },
        properties: { portNumber: '{{ portNumber }}' },
      },
    });
    const arn = (service: string, resource: string) => `arn:${stack.partition}:${service}:${stack.region}:${stack.account}:${resource}`;
    this.usersPolicy = new ManagedPolicy(this, 'SshUsersPolicy', {
      description: 'Slipway: get into jobs rerun with SSH (Session Manager to machine jobs with the Slipway document only; ECS Exec into job containers)',
      statements: [
        // Session Manager: only Slipway's machines (their tag), only with Slipway's document (SessionDocumentAccessCheck
        // refuses the default shell document and any other).
        new PolicyStatement({
          actions: ['ssm:StartSession'],
          resources: [arn('ec2', 'instance/*')],
          conditions: { StringLike: { 'ssm:resourceTag/slipway:machine-class': '*' }, BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } },
        }),
        new PolicyStatement({ actions: ['ssm:StartSession'], resources: [arn('ssm', `document/${this.document.ref}`)] }),
        // Their own sessions only (IAM users: user name; federated and SSO: user id).
        new PolicyStatement({
          actions: ['ssm:TerminateSession', 'ssm:ResumeSession'],
          resources: [arn('ssm', 'session/${aws:username}-*'), arn('ssm', 'session/${aws:userid}-*')],
        }),
        // ECS Exec: job tasks of this cluster, their primary container only.
        new PolicyStatement({
          actions: ['ecs:ExecuteCommand'],
          resources: [arn('ecs', `task/${props.cluster.clusterName}/*`)],
          conditions: { StringEquals: { 'ecs:container-name': FARGATE_TASK_LAYOUT.primaryContainer } },
        }),
        new PolicyStatement({ actions: ['ecs:DescribeTasks'], resources: [arn('ecs', `task/${props.cluster.clusterName}/*`)] }),
      ],
    });
    acknowledgeWildcards(
      this.usersPolicy,
      "Jobs' instances and tasks come and go: any of them, limited by tag (machines) or container name (ECS Exec), and sessions of the caller only.",
      'Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*',
      'Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:session/<aws:username>-*',
      'Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:session/<aws:userid>-*',
      `Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${stack.getLogicalId(props.cluster.node.defaultChild as never)}>/*`,
    );
    new CfnOutput(this, 'SshUsersPolicyArn', {
      value: this.usersPolicy.managedPolicyArn,
      description: 'Attach to the IAM identities of people who may get into jobs rerun with SSH (slipway ssh)',
    });
  }
}
