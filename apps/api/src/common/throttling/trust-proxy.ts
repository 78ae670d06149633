/**
 * Express's `trust proxy` value for TRUST_PROXY (validated by the config): a boolean, a number of hops, or the
 * list of trusted addresses and subnets as Express takes it.
 */
export function trustProxySetting(value: string): boolean | number | string[] {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^[0-9]+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}
