export * from './argon2id-password.hasher';
export * from './insecure-fake-password.hasher';
