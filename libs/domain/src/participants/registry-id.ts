/**
 * Pseudonymous registry ids: site code, a six-digit sequence and a check character, e.g. `TKY-000123-K`.
 * The check character is Luhn mod 36 over the code and the digits, so that a mistyped id (one wrong
 * character, or two adjacent ones swapped) is refused instead of finding another participant.
 */
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const N = ALPHABET.length;

export const REGISTRY_ID_PATTERN = /^([A-Z]{2,5})-(\d{6})-([0-9A-Z])$/;

function checkCharacter(payload: string): string {
  let factor = 2;
  let sum = 0;
  for (let i = payload.length - 1; i >= 0; i--) {
    let addend = factor * ALPHABET.indexOf(payload[i]);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / N) + (addend % N);
    sum += addend;
  }
  return ALPHABET[(N - (sum % N)) % N];
}

export function formatRegistryId(siteCode: string, sequence: number): string {
  if (!/^[A-Z]{2,5}$/.test(siteCode)) throw new Error(`site code ${siteCode} is not 2-5 capital letters`);
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > 999_999) {
    throw new Error(`registry sequence ${sequence} is outside 1-999999`);
  }
  const digits = String(sequence).padStart(6, '0');
  return `${siteCode}-${digits}-${checkCharacter(siteCode + digits)}`;
}

export function isValidRegistryId(id: string): boolean {
  const match = REGISTRY_ID_PATTERN.exec(id);
  return !!match && checkCharacter(match[1] + match[2]) === match[3];
}
