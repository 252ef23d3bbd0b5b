import { ConfigError } from "./load-config";

/**
 * Reads an app's config; a ConfigError stops the process at start with the message naming
 * the variable (exit 78, EX_CONFIG) and no stack trace.
 */
export function readConfigOrExit<T>(
  app: string,
  load: (env: Record<string, string | undefined>) => T,
  env: Record<string, string | undefined>,
): T {
  try {
    return load(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`slipway ${app}: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

/**
 * Runs an app's main(); a start-up failure prints one line and exits 1. On SIGTERM/SIGINT,
 * `shutdown` runs once, then the process exits 0; a second signal exits at once.
 */
export function runApp(app: string, main: () => Promise<() => Promise<void>>): void {
  main()
    .then((shutdown) => {
      let closing = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (closing) process.exit(130);
        closing = true;
        process.stderr.write(`slipway ${app}: ${signal}, shutting down\n`);
        shutdown()
          .catch((err: unknown) => process.stderr.write(`slipway ${app}: shutdown failed: ${(err as Error).message}\n`))
          .finally(() => process.exit(0));
      };
      process.on("SIGTERM", onSignal);
      process.on("SIGINT", onSignal);
    })
    .catch((err: unknown) => {
      process.stderr.write(`slipway ${app}: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
