import { ConfigError } from '@idp/eventing';
import {
  DEFAULT_SESSION_POLICY,
  InvalidSessionPolicy,
  type SessionPolicy,
  validateSessionPolicy,
} from './domain/session/session-policy';

/** Session settings of the token service. */
export interface SessionSettings extends SessionPolicy {
  /** Last-seen is written at most this often per session. Default 60 s. */
  touchIntervalMs: number;
}

export const DEFAULT_SESSION_SETTINGS: SessionSettings = {
  ...DEFAULT_SESSION_POLICY,
  touchIntervalMs: 60_000,
};

const minutes = (env: NodeJS.ProcessEnv, name: string, fallbackMs: number): number => {
  const raw = env[name]?.trim();
  if (!raw) return fallbackMs;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number of minutes, got "${raw}"`);
  return Number(raw) * 60_000;
};

/**
 * `SESSION_IDLE_TIMEOUT_MINUTES` (default 60) and `SESSION_ABSOLUTE_TIMEOUT_MINUTES` (default 720). A value that
 * cannot work stops the process at boot with a `ConfigError` naming the setting.
 */
export const sessionSettingsFromEnv = (env: NodeJS.ProcessEnv = process.env): SessionSettings => {
  const policy = {
    idleTimeoutMs: minutes(env, 'SESSION_IDLE_TIMEOUT_MINUTES', DEFAULT_SESSION_SETTINGS.idleTimeoutMs),
    absoluteTimeoutMs: minutes(
      env,
      'SESSION_ABSOLUTE_TIMEOUT_MINUTES',
      DEFAULT_SESSION_SETTINGS.absoluteTimeoutMs,
    ),
  };
  try {
    validateSessionPolicy(policy);
  } catch (err) {
    if (err instanceof InvalidSessionPolicy)
      throw new ConfigError(
        policy.idleTimeoutMs < 60_000 ? 'SESSION_IDLE_TIMEOUT_MINUTES' : 'SESSION_ABSOLUTE_TIMEOUT_MINUTES',
        err.message,
      );
    throw err;
  }
  return { ...DEFAULT_SESSION_SETTINGS, ...policy };
};
