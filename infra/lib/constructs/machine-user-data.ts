import { Stack } from 'aws-cdk-lib';
import { UserData } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import { machineRunnerClass } from '../../../shared/model/resource-classes';
import type { MachineGroupProps } from './machine-group';

/**
 * Installs the agent from the agent image (its self-contained install, Node.js included, lives under /opt/slipway)
 * and starts it in runner mode for the class's pool: one job, then the runner terminates its instance
 * and exits; the control plane retires the instance. Pulls from the stack's ECR repository through the ECR
 * credential helper (the instance role may pull). A warm pool instance installs everything while warming, but its
 * runner waits until the instance's target lifecycle state is InService, so it never claims a job on its way into
 * the pool. Holds no secret: the runner reads its instance's own credential (`<credential path>/<instance id>`,
 * the id from IMDSv2) from SSM with the instance role.
 */
export function runnerUserData(scope: Construct, resourceClass: string, props: MachineGroupProps): UserData {
  const userData = UserData.forLinux();
  const stack = Stack.of(scope);
  const image = props.agentImageUri;
  const registry = image.split('/')[0];
  const imds = 'http://169.254.169.254/latest';
  userData.addCommands(
    'set -euo pipefail',
    'command -v docker >/dev/null || (apt-get update -q && apt-get install -yq docker.io)',
    ...(props.agentRepository
      ? [
          'apt-get install -yq amazon-ecr-credential-helper',
          'mkdir -p /root/.docker',
          `printf '{"credHelpers":{"%s":"ecr-login"}}' "${registry}" > /root/.docker/config.json`,
        ]
      : []),
    'systemctl enable --now docker',
    // Rerun with SSH reaches the agent through Session Manager: the SSM agent (in Canonical's Ubuntu AMIs already).
    'if ! systemctl is-enabled --quiet snap.amazon-ssm-agent.amazon-ssm-agent.service 2>/dev/null && ! systemctl is-enabled --quiet amazon-ssm-agent 2>/dev/null; then snap install amazon-ssm-agent --classic || echo "No SSM agent: jobs rerun with SSH on this machine cannot be reached." >&2; fi',
    `AWS_REGION=${stack.region} docker pull ${image}`,
    `cid=$(docker create ${image}) && rm -rf /opt/slipway && docker cp "$cid":/opt/slipway /opt/slipway && docker rm "$cid"`,
    'ln -sf /opt/slipway/bin/slipway /usr/local/bin/slipway',
    'id slipway >/dev/null 2>&1 || useradd --create-home --groups docker slipway',
    // Waits for InService (a warm pool instance is Warmed:Stopped while warming; others are InService at once).
    "cat > /usr/local/bin/slipway-wait-in-service <<'WAIT'",
    '#!/bin/sh',
    'while :; do',
    `  t=$(curl -sf -X PUT ${imds}/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60") || t=""`,
    `  s=$(curl -sf -H "X-aws-ec2-metadata-token: $t" ${imds}/meta-data/autoscaling/target-lifecycle-state) || s=InService`,
    '  [ "$s" = InService ] && exit 0',
    '  sleep 5',
    'done',
    'WAIT',
    'chmod 755 /usr/local/bin/slipway-wait-in-service',
    'cat > /etc/systemd/system/slipway-runner.service <<UNIT',
    '[Unit]',
    'Description=Slipway machine runner (one job, then the control plane retires the instance)',
    'After=network-online.target docker.service',
    '[Service]',
    'User=slipway',
    `Environment=SLIPWAY_URL=${props.publicUrl}`,
    `Environment=AWS_REGION=${stack.region}`,
    'ExecStartPre=/usr/local/bin/slipway-wait-in-service',
    'TimeoutStartSec=infinity',
    `ExecStart=/usr/local/bin/slipway runner --resource-class ${machineRunnerClass(resourceClass)} --token-parameter ${props.credentialPath} --once`,
    // A clean exit means the job ran and the control plane retires the instance; a failure (credential not there
    // yet, control plane unreachable) is retried.
    'Restart=on-failure',
    'RestartSec=5',
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
    'systemctl daemon-reload',
    'systemctl enable --now --no-block slipway-runner',
  );
  return userData;
}
