/** This package's version, reported as the server's system_fingerprint. */
export const version = '0.0.0';
