/**
 * What a synthesized Slipway template costs per month while no job runs, priced from the resources it declares.
 * Prices: AWS list prices, us-east-1, USD, November 2026, from the pages cited beside each. Free tiers: only the
 * always-free ones (not the 12-month trial) and only when asked, since they are shared with the account's other
 * workloads.
 */
export const IDLE_PRICES = {
  /** https://aws.amazon.com/vpc/pricing/ (NAT gateway hour) */
  natGatewayHour: 0.045,
  /** https://aws.amazon.com/vpc/pricing/ (public IPv4 address hour, in use or idle) */
  publicIpv4Hour: 0.005,
  /** https://aws.amazon.com/privatelink/pricing/ (interface endpoint hour, per AZ) */
  interfaceEndpointHourPerAz: 0.01,
  /**
   * https://aws.amazon.com/kms/pricing/ ($1 a month per customer managed key, symmetric or asymmetric; "the first and
   * second rotation of a key add $1/month", capped there: a key with yearly rotation costs $3 from its third year).
   */
  kmsKeyMonth: 1,
  kmsMaxVersionsBilled: 3,
  /** https://aws.amazon.com/secrets-manager/pricing/ (per secret per month) */
  secretMonth: 0.4,
  /** https://aws.amazon.com/systems-manager/pricing/ (standard parameters, SecureString included: no charge) */
  ssmStandardParameterMonth: 0,
  /** https://aws.amazon.com/cloudwatch/pricing/ (standard resolution alarm, per alarm metric; always free: 10) */
  alarmMetricMonth: 0.1,
  freeAlarmMetrics: 10,
  /** https://aws.amazon.com/cloudwatch/pricing/ (per dashboard per month; always free: 3 dashboards) */
  dashboardMonth: 3,
  freeDashboards: 3,
  /** https://aws.amazon.com/sqs/pricing/ (standard / FIFO requests per million; always free: 1 million a month) */
  sqsStandardPerMillion: 0.4,
  sqsFifoPerMillion: 0.5,
  freeSqsRequests: 1_000_000,
  /** https://aws.amazon.com/lambda/pricing/ (Arm: per GB-second; requests per million) */
  lambdaArmGbSecond: 0.0000133334,
  lambdaPerMillion: 0.2,
  /** https://aws.amazon.com/cloudwatch/pricing/ (logs ingested per GB) */
  logsIngestGb: 0.5,
  /** https://aws.amazon.com/ecr/pricing/ (storage per GB-month) */
  ecrGbMonth: 0.1,
} as const;

/** Usage assumptions of an idle deployment (no price page gives these; each is stated in the report). */
export const IDLE_ASSUMPTIONS = {
  hoursPerMonth: 730,
  /**
   * Lambda's SQS event source mapping long-polls with 5 pollers per queue while the queue is empty, 20 s each
   * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html): 15 ReceiveMessage a minute.
   */
  sqsReceivesPerQueuePerMinute: 15,
  /** A cron pass with nothing to do: duration and log volume (a few DynamoDB queries, three log lines). */
  idleCronSeconds: 0.3,
  idleCronLogBytes: 1024,
  /** The agent image in the stack's ECR repository (compressed, one architecture). */
  agentImageGb: 0.15,
} as const;

export interface IdleCostItem {
  readonly item: string;
  readonly count: number;
  readonly monthly: number;
  readonly note: string;
}

export interface IdleCost {
  readonly items: IdleCostItem[];
  readonly total: number;
  /** CloudWatch alarm metrics (a metric-math alarm counts each metric it reads). */
  readonly alarmMetrics: number;
}

type Resource = { Type: string; Properties?: Record<string, any> };

type Template = { Resources?: Record<string, Resource> };

/** What each group of prices reads the template through, and adds its line items with. */
interface Pricing {
  readonly template: Template;
  /** The template's resources of one type. */
  of(type: string): Resource[];
  /** An always-free allowance, or 0 without `freeTier`. */
  free(n: number): number;
  readonly freeTier: boolean;
  add(item: string, count: number, monthly: number, note: string): void;
}

const P = IDLE_PRICES;
const A = IDLE_ASSUMPTIONS;

/** Prices an idle month of the template; `freeTier` subtracts the always-free allowances. */
export function idleCost(template: Template, options: { freeTier?: boolean } = {}): IdleCost {
  const resources = Object.values(template.Resources ?? {});
  const items: IdleCostItem[] = [];
  const pricing: Pricing = {
    template,
    of: (type) => resources.filter((r) => r.Type === type),
    free: (n) => (options.freeTier ? n : 0),
    freeTier: Boolean(options.freeTier),
    add: (item, count, monthly, note) => {
      if (count > 0) items.push({ item, count, monthly: Math.round(monthly * 100) / 100, note });
    },
  };
  priceNetwork(pricing);
  priceKeysAndSecrets(pricing);
  const alarmMetrics = priceMonitoring(pricing);
  priceQueuePolling(pricing);
  priceCronAndStorage(pricing);
  const total = Math.round(items.reduce((s, i) => s + i.monthly, 0) * 100) / 100;
  return { items, total, alarmMetrics };
}

/** NAT gateways, their public IPv4 addresses and interface VPC endpoints (per AZ). */
function priceNetwork({ of, add }: Pricing): void {
  const nat = of('AWS::EC2::NatGateway').length;
  add('NAT gateway', nat, nat * P.natGatewayHour * A.hoursPerMonth, `$${P.natGatewayHour}/h`);
  const eips = of('AWS::EC2::EIP').length;
  add('public IPv4 (NAT EIP)', eips, eips * P.publicIpv4Hour * A.hoursPerMonth, `$${P.publicIpv4Hour}/h`);
  const interfaceAzs = of('AWS::EC2::VPCEndpoint')
    .filter((r) => r.Properties?.VpcEndpointType === 'Interface')
    .reduce((n, r) => n + Math.max(1, (r.Properties?.SubnetIds ?? []).length), 0);
  add(
    'interface VPC endpoints (per AZ)',
    interfaceAzs,
    interfaceAzs * P.interfaceEndpointHourPerAz * A.hoursPerMonth,
    `$${P.interfaceEndpointHourPerAz}/h per AZ; gateway endpoints are free`,
  );
}

function priceKeysAndSecrets({ of, add }: Pricing): void {
  const keys = of('AWS::KMS::Key');
  const keyVersions = keys.reduce((n, k) => n + (k.Properties?.EnableKeyRotation ? P.kmsMaxVersionsBilled : 1), 0);
  add(
    'KMS keys',
    keys.length,
    keyVersions * P.kmsKeyMonth,
    `$${P.kmsKeyMonth} per key, a rotating key $${P.kmsMaxVersionsBilled} from its second rotation on (priced at that)`,
  );
  const secrets = of('AWS::SecretsManager::Secret').length;
  add('Secrets Manager secrets', secrets, secrets * P.secretMonth, `$${P.secretMonth} each`);
}

/** Alarm metrics and dashboards; returns the number of alarm metrics. */
function priceMonitoring({ of, free, freeTier, add }: Pricing): number {
  const alarmMetrics = of('AWS::CloudWatch::Alarm').reduce(
    (n, a) => n + (a.Properties?.MetricName ? 1 : (a.Properties?.Metrics ?? []).filter((m: any) => m.MetricStat).length),
    0,
  );
  add(
    'CloudWatch alarm metrics',
    alarmMetrics,
    Math.max(0, alarmMetrics - free(P.freeAlarmMetrics)) * P.alarmMetricMonth,
    `$${P.alarmMetricMonth} per metric${freeTier ? `, ${P.freeAlarmMetrics} always free` : ''}`,
  );
  const dashboards = of('AWS::CloudWatch::Dashboard').length;
  add(
    'CloudWatch dashboards',
    dashboards,
    Math.max(0, dashboards - free(P.freeDashboards)) * P.dashboardMonth,
    `$${P.dashboardMonth} each${freeTier ? `, ${P.freeDashboards} always free (if the account has no others)` : ''}`,
  );
  return alarmMetrics;
}

/** The empty receives of Lambda's long polling of each consumed queue. */
function priceQueuePolling({ of, free, freeTier, add }: Pricing): void {
  const mappings = of('AWS::Lambda::EventSourceMapping');
  const fifoQueues = new Set(
    of('AWS::SQS::Queue')
      .filter((q) => q.Properties?.FifoQueue)
      .map((q) => JSON.stringify(q.Properties?.QueueName ?? '')),
  );
  const receives = mappings.length * A.sqsReceivesPerQueuePerMinute * 60 * A.hoursPerMonth;
  const fifoShare = mappings.length ? Math.min(fifoQueues.size, mappings.length) / mappings.length : 0;
  const billable = Math.max(0, receives - free(P.freeSqsRequests));
  add(
    'SQS long polling by Lambda',
    mappings.length,
    (billable / 1e6) * ((1 - fifoShare) * P.sqsStandardPerMillion + fifoShare * P.sqsFifoPerMillion),
    `${Math.round(receives / 1e5) / 10} M empty receives (${A.sqsReceivesPerQueuePerMinute}/min per queue)${freeTier ? ', 1 M always free' : ''}`,
  );
}

/** The every-minute cron function, the agent image's repository and the SSM parameters. */
function priceCronAndStorage({ template, of, add }: Pricing): void {
  const perMinute = of('AWS::Events::Rule').filter((r) => /^rate\(1 minute\)$/.test(r.Properties?.ScheduleExpression ?? ''));
  const cronRuns = perMinute.length * 60 * A.hoursPerMonth;
  add(
    'scheduled function (cron) every minute',
    perMinute.length,
    cronRuns * (A.idleCronSeconds * cronMemoryGb(template, 0.128) * P.lambdaArmGbSecond + P.lambdaPerMillion / 1e6) +
      ((cronRuns * A.idleCronLogBytes) / 1e9) * P.logsIngestGb,
    `${cronRuns} runs × ${A.idleCronSeconds} s, ${A.idleCronLogBytes} B of logs each`,
  );
  const repos = of('AWS::ECR::Repository').length;
  add('ECR repository (agent image)', repos, repos * A.agentImageGb * P.ecrGbMonth, `${A.agentImageGb} GB stored`);
  const ssm = of('AWS::SSM::Parameter').length;
  add('SSM standard parameters', ssm, ssm * P.ssmStandardParameterMonth, 'free');
}

/** Memory of the function the every-minute rule targets (the rule's target is a `Fn::GetAtt` of it). */
function cronMemoryGb(template: Template, fallback: number): number {
  const resources = template.Resources ?? {};
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::Events::Rule' || r.Properties?.ScheduleExpression !== 'rate(1 minute)') continue;
    const target = r.Properties?.Targets?.[0]?.Arn?.['Fn::GetAtt']?.[0];
    const memory = target && resources[target]?.Properties?.MemorySize;
    if (memory) return memory / 1024;
  }
  return fallback;
}
