import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { anAuditEvent, defineAuditLogContract } from '../../ports/audit-log.contract';
import { createTestResources } from '../../../test/support/aws';
import { S3AuditLog } from './s3-audit-log';

defineAuditLogContract('S3AuditLog on s3rver', async () => {
  const r = await createTestResources({ queues: false });
  return new S3AuditLog(r.clients.s3, r.bucket);
});

describe('S3AuditLog', () => {
  it('writes one compressed object per flush under audit/yyyy/mm/dd/hh/', async () => {
    const r = await createTestResources({ queues: false });
    const log = new S3AuditLog(r.clients.s3, r.bucket);
    log.record(anAuditEvent('2026-04-05T06:07:08.000Z'));
    log.record(anAuditEvent('2026-04-05T06:07:09.000Z'));
    await log.flush();
    const keys = (await r.clients.s3.send(new ListObjectsV2Command({ Bucket: r.bucket, Prefix: 'audit/' }))).Contents?.map((c) => c.Key);
    expect(keys).toEqual([expect.stringMatching(/^audit\/2026\/04\/05\/06\/2026-04-05T060708000Z-[0-9a-f-]{36}\.jsonl\.gz$/)]);
  });
});
