import {
  allowedTransitions,
  canTransition,
  notScreenedReason,
  ParticipantStatus as S,
} from './participant-status';
import { formatRegistryId, isValidRegistryId } from './registry-id';

describe('participant status transitions', () => {
  it('allows the follow-up path and refuses jumps', () => {
    expect(canTransition(S.Registered, S.Screening)).toBe(true);
    expect(canTransition(S.Screening, S.Enrolled)).toBe(true);
    expect(canTransition(S.Enrolled, S.Referred)).toBe(true);
    expect(canTransition(S.Referred, S.InTrial)).toBe(true);
    expect(canTransition(S.Registered, S.InTrial)).toBe(false);
  });

  it('lets anyone withdraw or die at any open stage, and nothing follows', () => {
    for (const status of Object.values(S).filter((s) => s !== S.Withdrawn && s !== S.Deceased)) {
      expect(canTransition(status, S.Withdrawn)).toBe(true);
      expect(canTransition(status, S.Deceased)).toBe(true);
    }
    expect(allowedTransitions(S.Withdrawn)).toEqual([]);
    expect(allowedTransitions(S.Deceased)).toEqual([]);
  });
});

describe('screening against trials', () => {
  it('a person who has only registered is not screened until enrolled, and says so', () => {
    expect(notScreenedReason(S.Registered)).toBe('registered, not yet enrolled');
    expect(notScreenedReason(S.Enrolled)).toBeNull();
    expect(notScreenedReason(S.Screening)).toBeNull();
    // Leaving the registry is a result the trials judge (and explain), not a state before screening.
    expect(notScreenedReason(S.Withdrawn)).toBeNull();
  });
});

describe('registry ids', () => {
  it('formats site code, sequence and check character', () => {
    const id = formatRegistryId('TKY', 123);
    expect(id).toMatch(/^TKY-000123-[0-9A-Z]$/);
    expect(isValidRegistryId(id)).toBe(true);
  });

  it('catches a mistyped digit and swapped neighbours', () => {
    const id = formatRegistryId('TKY', 123);
    expect(isValidRegistryId(id.replace('000123', '000124'))).toBe(false);
    expect(isValidRegistryId(id.replace('000123', '000213'))).toBe(false);
    expect(isValidRegistryId('TKY-000123')).toBe(false);
  });

  it('refuses a sequence beyond six digits', () => {
    expect(() => formatRegistryId('TKY', 1_000_000)).toThrow(/outside/);
  });
});
