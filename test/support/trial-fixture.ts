import type { TrialTemplate } from '@registry/domain';
import type { TestApi } from './harness';
import type { Login } from './identity-fixture';

/**
 * A site proposed by a sponsor takes part in a trial only once accepted: as the admin, accept each of
 * `siteIds` for `trialId` (a recruiting trial then starts screening them).
 */
export async function acceptTrialSites(
  api: TestApi,
  admin: Login,
  trialId: string,
  siteIds: string[],
): Promise<void> {
  for (const siteId of siteIds) {
    const res = await api.http().post(`/api/v1/trials/${trialId}/sites/${siteId}/accept`).set(admin.auth);
    if (res.status !== 200) throw new Error(`accept site: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/**
 * A recruiting trial from one of the domain's templates, created by `sponsor` at `siteIds` and with those
 * sites accepted by `admin`, so that it screens them; returns the trial id.
 */
export async function createRecruitingTrial(
  api: TestApi,
  logins: { sponsor: Login; admin: Login },
  template: TrialTemplate,
  siteIds: string[],
  targetEnrolment = 2000,
): Promise<string> {
  const res = await api.http().post('/api/v1/trials').set(logins.sponsor.auth).send({
    title: template.title,
    registryNumber: template.registryNumber,
    phase: template.phase,
    status: 'recruiting',
    siteIds,
    targetEnrolment,
    criteria: template.criteria,
  });
  if (res.status !== 201) throw new Error(`create trial: ${res.status} ${JSON.stringify(res.body)}`);
  await acceptTrialSites(api, logins.admin, res.body.id as string, siteIds);
  return res.body.id as string;
}
