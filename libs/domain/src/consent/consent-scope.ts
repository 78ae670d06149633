/** What a participant can consent to, scope by scope (shared/domain/README.md, facts.md section 8.4). */
export enum ConsentScope {
  RegistryFollowUp = 'registry_follow_up',
  BiomarkerSampling = 'biomarker_sampling',
  AmyloidResultDisclosure = 'amyloid_result_disclosure',
  ApoeDisclosure = 'apoe_disclosure',
  RecontactForTrials = 'recontact_for_trials',
  SponsorDataSharing = 'sponsor_data_sharing',
  CrossBorderTransfer = 'cross_border_transfer',
}

export const CONSENT_SCOPES = Object.values(ConsentScope);

export interface ConsentGrant {
  scopes: ConsentScope[];
  signedOn: string;
  withdrawnScopes: { scope: ConsentScope; withdrawnOn: string }[];
}

/**
 * The scopes a participant holds on `asOf`: granted by a consent signed on or before that day and not
 * withdrawn on or before it. Several consents (re-consent to a new version) add up.
 */
export function scopesHeld(grants: ConsentGrant[], asOf: string): Set<ConsentScope> {
  const held = new Set<ConsentScope>();
  for (const grant of grants) {
    if (grant.signedOn > asOf) continue;
    for (const scope of grant.scopes) {
      const withdrawn = grant.withdrawnScopes.some((w) => w.scope === scope && w.withdrawnOn <= asOf);
      if (!withdrawn) held.add(scope);
    }
  }
  return held;
}
