import { checkEndpointUrl, EndpointPolicy, forbiddenAddressReason } from '@registry/domain';
import { lookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';

export type ResolvedEndpoint =
  { allowed: true; url: URL; addresses: LookupAddress[] } | { allowed: false; rule: string };

/**
 * The URL rules (libs/domain) and then the addresses its host resolves to: every one must be public unless
 * the host is allow-listed. Run when an endpoint is registered, so a sponsor hears at once why it is refused.
 */
export async function resolveEndpoint(text: string, policy: EndpointPolicy): Promise<ResolvedEndpoint> {
  const checked = checkEndpointUrl(text, policy);
  if (!checked.allowed) return checked;
  let addresses: LookupAddress[];
  try {
    addresses = isIP(checked.host)
      ? [{ address: checked.host, family: isIP(checked.host) }]
      : await lookup(checked.host, { all: true, verbatim: true });
  } catch {
    return { allowed: false, rule: 'url host must resolve in DNS' };
  }
  if (addresses.length === 0) return { allowed: false, rule: 'url host must resolve in DNS' };
  if (!checked.allowListed) {
    const refused = addresses.map((a) => forbiddenAddressReason(a.address)).find((reason) => reason !== null);
    if (refused) return { allowed: false, rule: `url host must not resolve to ${refused}` };
  }
  return { allowed: true, url: checked.url, addresses };
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http(s).request that refuses forbidden addresses at connection time: the address checked is
 * the address connected to, so a DNS answer changed since registration (rebinding) cannot reach the
 * registry's own network. Allow-listed hosts skip the check, as at registration.
 */
export function guardedLookup(policy: EndpointPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const host = hostname.toLowerCase();
    lookup(hostname, { all: true, verbatim: true }).then(
      (addresses) => {
        const allowListed = policy.allowedHosts.includes(host);
        const refused = allowListed
          ? undefined
          : addresses.map((a) => forbiddenAddressReason(a.address)).find((reason) => reason !== null);
        if (refused || addresses.length === 0) {
          const error: NodeJS.ErrnoException = new Error(
            `webhook host ${host} resolves to ${refused ?? 'nothing'}`,
          );
          error.code = 'EWEBHOOKADDRESS';
          callback(error, []);
          return;
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
}
