import { statusLabel, tone } from '../lib/status';

export function StatusBadge({ status }: { status: string | undefined }) {
  return (
    <span className={`badge tone-${tone(status)}`} data-status={status}>
      {statusLabel(status)}
    </span>
  );
}
