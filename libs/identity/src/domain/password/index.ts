export * from './password-hasher.port';
export * from './password-normalization';
export * from './dummy-hash';
export * from './password-guessability';
export * from './password-policy';
