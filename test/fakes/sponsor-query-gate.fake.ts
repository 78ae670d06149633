import type { Actor } from '../../apps/api/src/auth/actor';
import type {
  SponsorQueryGate,
  SponsorQueryKind,
} from '../../apps/api/src/sponsor-counts/sponsor-query-gate';
import type { Public } from './public';

/** One query the gate was asked to admit. */
export type FakeGateCall =
  | { admit: 'query'; actor: Actor; kind: SponsorQueryKind; queryHash: string; trialId?: string }
  | { admit: 'poolRead'; actor: Actor; trialId: string; criteriaVersion: number };

/** Records what it was asked to admit; a test that sets `refusal` has every query refused with it. */
export class FakeSponsorQueryGate implements Public<SponsorQueryGate> {
  readonly calls: FakeGateCall[] = [];
  refusal: Error | null = null;

  admitQuery(actor: Actor, kind: SponsorQueryKind, queryHash: string, trialId?: string): Promise<void> {
    this.calls.push({
      admit: 'query',
      actor,
      kind,
      queryHash,
      ...(trialId === undefined ? {} : { trialId }),
    });
    return this.refusal ? Promise.reject(this.refusal) : Promise.resolve();
  }

  admitPoolRead(actor: Actor, trialId: string, criteriaVersion: number): Promise<void> {
    this.calls.push({ admit: 'poolRead', actor, trialId, criteriaVersion });
    return this.refusal ? Promise.reject(this.refusal) : Promise.resolve();
  }
}
