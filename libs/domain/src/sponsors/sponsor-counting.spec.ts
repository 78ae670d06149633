import { AmyloidModality, AmyloidStatus } from '../biomarkers/amyloid-status';
import { ConsentScope } from '../consent/consent-scope';
import { ParticipantStatus } from '../participants/participant-status';
import { AS_OF, baseProfile, withAmyloid } from '../eligibility/test-profiles';
import { ageBandOf, countedForSponsors, sharesWithSponsors, sponsorCategoriesOf } from './sponsor-counting';

const sharing = (overrides = {}) =>
  baseProfile({
    consentScopes: [ConsentScope.RegistryFollowUp, ConsentScope.SponsorDataSharing],
    ...overrides,
  });

describe("who a sponsor's counts include", () => {
  it('counts an enrolled participant who consented to sharing with sponsors', () => {
    expect(countedForSponsors(sharing())).toBe(true);
  });

  it('never counts a participant whose consent held today does not include sharing with sponsors', () => {
    expect(countedForSponsors(baseProfile())).toBe(false);
  });

  it.each([ParticipantStatus.Withdrawn, ParticipantStatus.Deceased, ParticipantStatus.InTrial])(
    'never counts a participant who is %s, whatever their consent',
    (status) => expect(countedForSponsors(sharing({ status }))).toBe(false),
  );

  it('counts a participant committed to the trial asked about, but not one committed to another trial', () => {
    const committed = sharing({ trialCommitments: ['trial-a'] });
    expect(countedForSponsors(committed, 'trial-a')).toBe(true);
    expect(countedForSponsors(committed, 'trial-b')).toBe(false);
    expect(countedForSponsors(committed)).toBe(false);
  });
});

describe("who a pool's trend of past eligibility includes", () => {
  it('keeps someone now in a trial (their past eligibility does not vanish as the trial recruits), but never someone who has left or does not share', () => {
    expect(sharesWithSponsors(sharing({ status: ParticipantStatus.InTrial }))).toBe(true);
    expect(sharesWithSponsors(sharing({ status: ParticipantStatus.Withdrawn }))).toBe(false);
    expect(sharesWithSponsors(sharing({ status: ParticipantStatus.Deceased }))).toBe(false);
    expect(sharesWithSponsors(baseProfile())).toBe(false);
  });
});

describe('the categories of a breakdown', () => {
  it('puts a participant in the 60-64 band the day before their 65th birthday and in 65-69 on it', () => {
    expect(ageBandOf('1961-06-02', '2026-06-01')).toBe('60-64');
    expect(ageBandOf('1961-06-01', '2026-06-01')).toBe('65-69');
  });

  it('top-codes ages from 90 as one band (HIPAA Safe Harbor) and groups everyone under 50', () => {
    expect(ageBandOf('1930-01-01', AS_OF)).toBe('90_and_over');
    expect(ageBandOf('1936-06-02', AS_OF)).toBe('85-89');
    expect(ageBandOf('1990-01-01', AS_OF)).toBe('under_50');
  });

  it('calls one or two e4 alleles a carrier, and an unknown genotype unknown', () => {
    const carriage = (apoeGenotype: string) =>
      sponsorCategoriesOf(baseProfile({ apoeGenotype }), 'TKY', AS_OF).apoeE4;
    expect(['e3/e4', 'e4/e4', 'e2/e4', 'e3/e3', 'e2/e2', 'unknown'].map(carriage)).toEqual([
      'carrier',
      'carrier',
      'carrier',
      'non_carrier',
      'non_carrier',
      'unknown',
    ]);
  });

  it('takes the amyloid band from the latest known result, whichever modality, and names that modality', () => {
    let profile = withAmyloid(baseProfile(), AmyloidModality.Pet, AmyloidStatus.Negative, '2025-01-10');
    profile = withAmyloid(profile, AmyloidModality.Plasma, AmyloidStatus.Intermediate, '2026-03-01');
    expect(sponsorCategoriesOf(profile, 'TKY', AS_OF)).toMatchObject({
      amyloidBand: 'intermediate',
      amyloidModality: 'plasma',
    });
    expect(sponsorCategoriesOf(baseProfile(), 'BOS', AS_OF)).toMatchObject({
      site: 'BOS',
      amyloidBand: 'unknown',
      amyloidModality: 'none',
    });
  });
});
