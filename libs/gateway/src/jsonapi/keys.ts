import { toTimestamp } from './timestamp';

/**
 * Attribute names on the wire are kebab-case (`two-factor`, `is-site-admin`); TypeScript code uses camelCase.
 * The mapping is mechanical: every upper-case letter becomes `-` and its lower-case form. Write acronyms as words
 * (`isSsoLogin` → `is-sso-login`, `canView2faSettings` → `can-view2fa-settings`, `v2Only` → `v2-only`). A key
 * already in kebab-case (or snake_case) passes through unchanged.
 */
export type KebabCase<S extends string, Done extends string = ''> = S extends `${infer Head}${infer Tail}`
  ? KebabCase<Tail, `${Done}${Head extends Lowercase<Head> ? Head : `-${Lowercase<Head>}`}`>
  : Done;

const toKebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Wire names of the keys seen so far: attribute names are a small fixed set, converted on every response. Bounded,
 * since nested objects may carry keys from data: once full, further keys are converted without being remembered.
 */
const kebabNames = new Map<string, string>();
const KEBAB_NAMES_MAX = 2_000;

export const kebabCase = (key: string): string => {
  let name = kebabNames.get(key);
  if (name === undefined) {
    name = toKebab(key);
    if (kebabNames.size < KEBAB_NAMES_MAX) kebabNames.set(key, name);
  }
  return name;
};

export const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** How attribute names are written on the wire: kebab-case everywhere, snake_case for the password change. */
export type AttributeCase = 'kebab' | 'snake';

/** Wire name → camelCase (`two-factor` → `twoFactor`, `password_confirmation` → `passwordConfirmation`). */
export const camelCase = (key: string, from: AttributeCase = 'kebab'): string =>
  key.replace(from === 'kebab' ? /-([a-z])/g : /_([a-z])/g, (_, c: string) => c.toUpperCase());

/** camelCase → wire name. */
export const wireCase = (key: string, to: AttributeCase = 'kebab'): string =>
  to === 'kebab' ? kebabCase(key) : snakeCase(key);

/** What a value becomes on the wire: dates are timestamps, nested objects get kebab-case keys. */
export type Serialized<T> = T extends Date
  ? string
  : T extends (infer E)[]
    ? Serialized<E>[]
    : T extends readonly (infer E)[]
      ? readonly Serialized<E>[]
      : T extends object
        ? KebabKeys<T>
        : T;

/** An attributes object as it goes on the wire. */
export type KebabKeys<T> = { [K in keyof T as K extends string ? KebabCase<K> : K]: Serialized<T[K]> };

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/**
 * Serialises an attribute value for the wire: `Date` → TFC timestamp, plain objects → kebab-case keys (deep),
 * arrays element-wise, `undefined` members dropped. A bigint must fit a JSON number. Anything else that JSON
 * cannot carry (functions, symbols, class instances other than Date) is a programming error and throws.
 */
export const serializeValue = <T>(value: T): Serialized<T> => {
  if (value instanceof Date) return toTimestamp(value) as Serialized<T>;
  if (Array.isArray(value)) return value.map((v) => serializeValue(v)) as Serialized<T>;
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER))
      throw new RangeError(`bigint ${value} does not fit a JSON number`);
    return Number(value) as Serialized<T>;
  }
  if (typeof value === 'function' || typeof value === 'symbol')
    throw new TypeError(`a ${typeof value} cannot be serialised as an attribute`);
  if (value === null || typeof value !== 'object') return value as Serialized<T>;
  if (!isPlainObject(value))
    throw new TypeError(`${value.constructor?.name ?? 'object'} cannot be serialised as an attribute`);
  return serializeAttributes(value) as Serialized<T>;
};

/** Serialises an attributes object: kebab-case keys, wire values (see `serializeValue`). */
export const serializeAttributes = <T extends object>(attributes: T): KebabKeys<T> => {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    out[kebabCase(key)] = serializeValue(value);
  }
  return out as KebabKeys<T>;
};
