/** The CircleCI API v2 / v1.1 shapes the UI reads (subset of the OpenAPI schemas). */

export interface Page<T> {
  items: T[];
  next_page_token: string | null;
}

export interface Me {
  id: string;
  login: string;
  name: string;
}

/** `GET /api/v2/slipway/auth-methods`: how this Slipway lets users sign in. */
export interface AuthMethods {
  api_token: boolean;
  github: { start_url: string } | null;
}

export interface Collaboration {
  id: string;
  'vcs-type'?: string;
  vcs_type?: string;
  name: string;
  avatar_url?: string;
  slug: string;
}

export interface Project {
  slug: string;
  name: string;
  id: string;
  organization_name: string;
  organization_slug: string;
  organization_id: string;
  vcs_info: { vcs_url: string; provider: string; default_branch: string };
}

export interface Pipeline {
  id: string;
  number: number;
  project_slug: string;
  state: string;
  created_at: string;
  updated_at?: string;
  errors: Array<{ type: string; message: string }>;
  trigger: { type: string; received_at?: string; actor: { login: string; avatar_url: string | null } };
  vcs?: {
    revision: string;
    branch?: string;
    tag?: string;
    commit?: { subject: string; body?: string };
    origin_repository_url?: string;
    target_repository_url?: string;
  };
}

export interface Workflow {
  id: string;
  name: string;
  status: string;
  pipeline_id: string;
  pipeline_number: number;
  project_slug: string;
  created_at: string;
  stopped_at: string | null;
  canceled_by?: string;
}

export interface WorkflowJob {
  id: string;
  name: string;
  type: 'build' | 'approval' | string;
  status: string;
  job_number?: number;
  dependencies: string[];
  started_at: string | null;
  stopped_at: string | null;
  approval_request_id?: string;
  approved_by?: string;
}

export interface JobDetails {
  name: string;
  number: number;
  status: string;
  parallelism: number;
  parallel_runs: Array<{ index: number; status: string }>;
  started_at: string | null;
  stopped_at: string | null;
  queued_at: string | null;
  created_at: string;
  duration: number | null;
  executor: { type?: string; resource_class?: string };
  contexts: Array<{ name: string }>;
  latest_workflow: { id: string; name: string };
  pipeline: { id: string };
}

export interface V1Action {
  index: number;
  step: number;
  name: string;
  status: string;
  start_time: string | null;
  end_time: string | null;
  exit_code: number | null;
  has_output: boolean;
  output_url: string;
}

export interface V1Job {
  build_num: number;
  status: string;
  lifecycle: string;
  start_time: string | null;
  stop_time: string | null;
  steps: Array<{ name: string; actions: V1Action[] }>;
}

export interface OutputMessage {
  message: string;
  type: string;
  time?: string;
}

export interface Artifact {
  path: string;
  node_index: number;
  url: string;
}

export interface TestResult {
  name: string;
  classname: string;
  file?: string;
  result: string;
  message?: string;
  run_time?: number;
  source?: string;
}

export interface EnvVar {
  name: string;
  value: string;
  created_at?: string;
}

export interface Schedule {
  id: string;
  name: string;
  description?: string;
  timetable: Record<string, unknown>;
  parameters: Record<string, unknown>;
  actor?: { login: string };
  'updated-at'?: string;
}

export interface Webhook {
  id: string;
  name: string;
  url: string;
  events: string[];
  'verify-tls': boolean;
  'signing-secret'?: string;
}

/** One delivery attempt of an outbound webhook (Slipway's delivery log). */
export interface WebhookDelivery {
  event_id: string;
  event_type: string;
  attempt: number;
  at: string;
  status: number | null;
  latency_ms: number;
  error: string | null;
  will_retry: boolean;
}

export interface Context {
  id: string;
  name: string;
  created_at: string;
}

export interface DurationMetrics {
  min?: number;
  mean?: number;
  median?: number;
  p95?: number;
  max?: number;
}

export interface WorkflowMetrics {
  name: string;
  metrics: { total_runs: number; successful_runs: number; failed_runs: number; success_rate: number; throughput?: number; duration_metrics: DurationMetrics };
  window_start?: string;
  window_end?: string;
}

export interface WorkflowRun {
  id: string;
  branch?: string;
  duration: number;
  created_at: string;
  stopped_at: string;
  status: string;
}

export interface JobTimeSeries {
  name: string;
  timestamp: string;
  metrics: { total_runs: number; failed_runs: number; successful_runs: number; duration_metrics: DurationMetrics };
}
