/**
 * Secrets that were published in this repository (libs/config defaults and the README until 2026-12) and stay
 * in its git history. Kept here, under test/, only to show that the apps refuse them outside the test suite;
 * libs/config knows them by their SHA-256 alone.
 */
export const PUBLISHED_JWT_ACCESS_SECRET = 'development-only-secret-change-me-0123456789abcdef';
export const PUBLISHED_IDENTITY_FINGERPRINT_KEY = 'development-only-fingerprint-key-0123456789abcdef';
export const PUBLISHED_DEMO_PASSWORD = 'demo passphrase 2026';
