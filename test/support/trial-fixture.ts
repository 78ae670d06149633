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
