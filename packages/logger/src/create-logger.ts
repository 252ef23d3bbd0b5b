import { pino, type Logger, type LoggerOptions } from "pino";

/**
 * Paths redacted from every log line: authorization headers, webhook signatures, tokens,
 * passwords and registry credentials, wherever they appear one or two levels down.
 */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-hub-signature"]',
  "headers.authorization",
  "authorization",
  "password",
  "token",
  "secret",
  "webhookSecret",
  "apiToken",
  "*.password",
  "*.token",
  "*.secret",
  "*.webhookSecret",
  "*.apiToken",
  "*.authorization",
  "*.credentials",
  "credential",
  "*.credential",
  // A registry credential inside a publish grant or a stored secret: { grant: { credential: { password } } }.
  "*.*.password",
  "*.value",
  "config.SLIPWAY_SECRET_KEY",
  "config.SLIPWAY_WEBHOOK_SECRET",
  "config.SLIPWAY_API_TOKEN",
  "config.DATABASE_URL",
  "config.REDIS_URL",
];

export interface CreateLoggerOptions {
  /** process name, e.g. "api" or "worker" */
  name: string;
  /** @defaultValue "info" */
  level?: LoggerOptions["level"];
  /** where lines go; defaults to stdout */
  destination?: pino.DestinationStream;
}

/** The one root logger of a process. Children add buildId/jobId/attempt. */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    name: opts.name,
    level: opts.level ?? "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: { pid: process.pid, process: opts.name },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

export type { Logger };
