import { createHash } from 'node:crypto';
import type { Job, Pipeline, Project, Workflow } from '../../model/entities';
import type { Webhook, WebhookEventType } from '../../ports/webhook-store';

/**
 * A UUID-shaped id derived from its parts: the same webhook and subject always give the same event id, which
 * is what makes preparing an event twice harmless and lets receivers dedupe on the payload's `id`.
 */
export function deterministicUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\n')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface PayloadSubject {
  project: Project;
  pipeline: Pipeline;
  workflow: Workflow;
  job?: Job;
  publicUrl: string;
}

const workflowUrl = (s: PayloadSubject) => `${s.publicUrl}/pipelines/${s.project.slug}/${s.pipeline.number}/workflows/${s.workflow.id}`;

/** CircleCI's `workflow-completed` / `job-completed` body (outbound webhooks reference). */
export function webhookPayload(
  type: WebhookEventType,
  id: string,
  happenedAt: string,
  webhook: Pick<Webhook, 'id' | 'name'>,
  s: PayloadSubject,
): Record<string, unknown> {
  const { project, pipeline, workflow, job } = s;
  const vcs = pipeline.vcs;
  return {
    id,
    happened_at: happenedAt,
    type,
    webhook: { id: webhook.id, name: webhook.name },
    project: { id: project.id, name: project.name, slug: project.slug },
    organization: { id: project.organizationId, name: project.organizationName },
    workflow: {
      id: workflow.id,
      name: workflow.name,
      created_at: workflow.createdAt,
      stopped_at: workflow.stoppedAt,
      url: workflowUrl(s),
      ...(type === 'workflow-completed' ? { status: workflow.status } : {}),
    },
    pipeline: {
      id: pipeline.id,
      number: pipeline.number,
      created_at: pipeline.createdAt,
      trigger: { type: pipeline.trigger.type },
      vcs: {
        provider_name: vcs.providerName,
        origin_repository_url: vcs.originRepositoryUrl,
        target_repository_url: vcs.targetRepositoryUrl,
        revision: vcs.revision,
        ...(vcs.commit ? { commit: { subject: vcs.commit.subject, body: vcs.commit.body } } : {}),
        ...(vcs.branch ? { branch: vcs.branch } : {}),
        ...(vcs.tag ? { tag: vcs.tag } : {}),
      },
    },
    ...(job
      ? {
          job: {
            id: job.id,
            name: job.name,
            number: job.number,
            status: job.status,
            started_at: job.startedAt ?? null,
            stopped_at: job.stoppedAt ?? null,
          },
        }
      : {}),
  };
}

/** The `ping` a "send a test event" delivers: the common keys only. */
export function pingPayload(id: string, happenedAt: string, webhook: Pick<Webhook, 'id' | 'name'>): Record<string, unknown> {
  return { id, happened_at: happenedAt, type: 'ping', webhook: { id: webhook.id, name: webhook.name } };
}
