import { FUNCTION_GRANTS, FUNCTION_NAMES } from '../../shared/model/function-grants';
import { MACHINE_SSH_PORT } from '../../shared/model/resource-classes';
import { actionsOf, byType, fnByService, roleStatements, statements, synthForTest } from './template-helpers';

const { template: t, error } = synthForTest();
const machineRoles = byType(t, 'AWS::IAM::Role').filter(([, r]) => /machine runner/.test(r.Properties.Description ?? ''));
const [documentId, document] = byType(t, 'AWS::SSM::Document')[0];
const [policyId, usersPolicy] = byType(t, 'AWS::IAM::ManagedPolicy').find(([id]) => id.includes('SshUsersPolicy'))!;
const usersStatements: any[] = usersPolicy.Properties.PolicyDocument.Statement;
const startSession = usersStatements.filter((s) => actionsOf(s).includes('ssm:StartSession'));

describe('rerun with SSH on AWS without inbound ports', () => {
  it('synthesizes cdk-nag clean', () => expect(error).toBeUndefined());

  it('opens no inbound port to job compute: machines and tasks share a security group without ingress rules', () => {
    const [, sg] = byType(t, 'AWS::EC2::SecurityGroup').find(([, g]) => /Slipway jobs/.test(g.Properties.GroupDescription))!;
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    const ingress = byType(t, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => JSON.stringify(r.Properties.GroupId).includes('JobSecurityGroup'));
    expect(ingress).toEqual([]);
  });

  it('lets the SSM agent of each machine open Session Manager channels, and nothing else of Systems Manager but its runner credential', () => {
    expect(machineRoles.length).toBe(2);
    for (const [id] of machineRoles) {
      const ssm = roleStatements(t, id)
        .flatMap(actionsOf)
        .filter((a) => /^ssm/.test(a));
      expect(ssm.sort()).toEqual([
        // Its own instance's runner credential (compute-safety.test.ts checks the instance-ARN condition).
        'ssm:GetParameter',
        'ssm:UpdateInstanceInformation',
        'ssmmessages:CreateControlChannel',
        'ssmmessages:CreateDataChannel',
        'ssmmessages:OpenControlChannel',
        'ssmmessages:OpenDataChannel',
      ]);
    }
    for (const [, lt] of byType(t, 'AWS::EC2::LaunchTemplate')) {
      expect(JSON.stringify(lt.Properties.LaunchTemplateData.UserData)).toContain('snap install amazon-ssm-agent --classic');
    }
  });

  it("forwards Session Manager connections only to the agent's SSH port (stdio, as AWS-StartSSHSession does)", () => {
    expect(document.Properties).toMatchObject({ DocumentType: 'Session', DocumentFormat: 'JSON' });
    expect(document.Properties.Content).toEqual({
      schemaVersion: '1.0',
      description: expect.stringMatching(/Slipway/),
      sessionType: 'Port',
      parameters: {
        portNumber: { type: 'String', description: expect.any(String), allowedValues: [String(MACHINE_SSH_PORT)], default: String(MACHINE_SSH_PORT) },
      },
      properties: { portNumber: '{{ portNumber }}' },
    });
    // No `type: LocalPortForwarding`: the plugin forwards stdio, which `ssh -o ProxyCommand=...` needs.
    expect(document.Properties.Content.properties).not.toHaveProperty('type');
  });

  it("tells the api function the document's name (for the command it shows), with no new AWS permission for any function", () => {
    expect(fnByService(t, 'api')[1].Properties.Environment.Variables.MACHINE_SSH_DOCUMENT).toEqual({ Ref: documentId });
    // Systems Manager for functions is only the machines' runner credentials and the listing of ECS Exec sessions
    // (SSH reruns on Fargate), where FUNCTION_GRANTS says so: SSH into machines adds nothing.
    const credentialActions = ['ssm:PutParameter', 'ssm:AddTagsToResource', 'ssm:DeleteParameter'];
    for (const fn of FUNCTION_NAMES)
      expect([
        fn,
        statements(t, fn)
          .flatMap(actionsOf)
          .filter((a) => /^ssm(messages)?:/.test(a)),
      ]).toEqual([
        fn,
        [
          ...(FUNCTION_GRANTS[fn].compute.includes('machine-credentials') ? credentialActions : []),
          ...(FUNCTION_GRANTS[fn].compute.includes('watch-exec-sessions') ? ['ssm:DescribeSessions'] : []),
        ],
      ]);
  });

  it("gives people a policy to attach: sessions to Slipway's machines with Slipway's document only, their own sessions, ECS Exec into primary containers", () => {
    expect(startSession).toHaveLength(2);
    const instances = startSession.find((s) => JSON.stringify(s.Resource).includes(':instance/*'))!;
    expect(instances.Condition).toEqual({
      StringLike: { 'ssm:resourceTag/slipway:machine-class': '*' },
      BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' },
    });
    const doc = startSession.find((s) => s !== instances)!;
    expect(JSON.stringify(doc.Resource)).toContain(`{"Ref":"${documentId}"}`);
    expect(JSON.stringify(usersStatements)).not.toMatch(/SSM-SessionManagerRunShell|AWS-StartSSHSession|AWS-StartPortForwarding/);
    const own = usersStatements.find((s) => actionsOf(s).includes('ssm:TerminateSession'))!;
    expect(JSON.stringify(own.Resource)).toContain('session/${aws:username}-*');
    const exec = usersStatements.find((s) => actionsOf(s).includes('ecs:ExecuteCommand'))!;
    expect(exec.Condition).toEqual({ StringEquals: { 'ecs:container-name': 'primary' } });
    expect(usersPolicy.Properties.Roles ?? usersPolicy.Properties.Users ?? usersPolicy.Properties.Groups).toBeUndefined();
    const outputs = Object.values(t.toJSON().Outputs as Record<string, { Value: unknown }>);
    expect(outputs.some((o) => JSON.stringify(o.Value) === JSON.stringify({ Ref: policyId }))).toBe(true);
  });
});
