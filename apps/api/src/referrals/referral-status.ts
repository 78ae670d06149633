import { canTransition, LEFT_THE_REGISTRY, ParticipantStatus } from '@registry/domain';
import {
  AuditRepository,
  ParticipantEntity,
  ParticipantRepository,
  participantChanged,
  Tx,
} from '@registry/persistence';

/**
 * Moves a participant through the registry statuses a referral step gives (`steps`, from the domain's
 * referral rules), each step audited with `reason` and re-screened through the outbox, dated the site's
 * `today` (or the current status's date, if later). Someone who has left the registry is left alone, and a
 * step the status machine does not allow ends the walk.
 */
export async function followReferralStatus(
  tx: Tx,
  repositories: { participants: ParticipantRepository; audit: AuditRepository },
  participant: ParticipantEntity,
  steps: (current: ParticipantStatus) => ParticipantStatus[],
  today: string,
  reason: string,
): Promise<void> {
  if (LEFT_THE_REGISTRY.includes(participant.status)) return;
  let status = participant.status;
  let since = participant.statusEffectiveDate;
  for (const next of steps(status)) {
    if (!canTransition(status, next)) return;
    const effective = today > since ? today : since;
    await repositories.participants.updateStatus(tx, participant.id, next, effective);
    await repositories.audit.recordChange(
      tx,
      {
        action: 'participant.status_changed',
        entityType: 'participant',
        entityId: participant.id,
        siteId: participant.siteId,
        changes: [
          { field: 'status', old: status, new: next },
          { field: 'statusEffectiveDate', old: since, new: effective },
        ],
        reason,
      },
      participantChanged(participant.id, `status:${next}`),
    );
    status = next;
    since = effective;
  }
}
