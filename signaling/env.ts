// The environment of `npm start` / `npm run serve`, read once and checked, so a typo in a variable
// stops the server at start with a sentence naming the variable instead of a stack trace or a
// silently ignored setting.
//
//   PORT                 listening port (default 8080; 0 picks a free one)
//   HOST                 listening address (default 0.0.0.0)
//   DIST_DIR             the built app to serve (default ./dist)
//   SIGNALING_LOG        `0` silences the JSON event log
//   SIGNALING_GRACE_MS   how long a dropped peer keeps its id and address (default 30000)
//   SIGNALING_MTU        the room MTU every welcome (and so every guest's DHCP lease) carries:
//                        68 to 9000, default 1500; 9000 gives jumbo frames between nic guests
import { resolve } from 'node:path';
import { DEFAULT_MTU } from './options.ts';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '0.0.0.0';

/** The server's settings as main.ts uses them. */
export interface ServerEnv {
  readonly port: number;
  readonly host: string;
  readonly distDir: string;
  readonly log: boolean;
  readonly resumeGraceMs: number | undefined;
  readonly mtu: number;
}

/** A variable with a value the server cannot use; `code` is ERR_BAD_ENV. */
export class ServerEnvError extends Error {
  readonly code = 'ERR_BAD_ENV';
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ServerEnvError';
  }
}

function integer(env: NodeJS.ProcessEnv, name: string, min: number, max: number, fallback: number | undefined): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Digits only: Number() would take '0x10', ' 8080 ' and '1e3'.
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new ServerEnvError(name, `must be a whole number from ${min} to ${max}, not ${JSON.stringify(raw)}`);
  return value;
}

/** Reads and checks the server's variables; throws ServerEnvError on the first bad one. */
export function readServerEnv(env: NodeJS.ProcessEnv): ServerEnv {
  return {
    port: integer(env, 'PORT', 0, 65535, DEFAULT_PORT)!,
    host: env.HOST || DEFAULT_HOST,
    distDir: resolve(env.DIST_DIR || 'dist'),
    log: env.SIGNALING_LOG !== '0',
    resumeGraceMs: integer(env, 'SIGNALING_GRACE_MS', 1, 86_400_000, undefined),
    mtu: integer(env, 'SIGNALING_MTU', 68, 9000, DEFAULT_MTU)!,
  };
}
