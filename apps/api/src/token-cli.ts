// npm run token -- create | list | revoke: API tokens straight in the database, as the
// operator (the way in before any admin token exists, or after one is lost). Reads
// DATABASE_URL. Exit codes: 0 done, 1 failed, 2 bad arguments, 78 bad configuration.
import { parseTokenCommand, runTokenCommand, TOKEN_USAGE } from "@slipway/auth";
import { readConfigOrExit } from "@slipway/config";
import { createDb } from "@slipway/db";
import { loadTokenCliConfig } from "./config";
import { runCli } from "./run-cli";

async function main(argv: string[]): Promise<number> {
  const command = parseTokenCommand(argv);
  if (command.kind === "help") {
    process.stdout.write(`${TOKEN_USAGE}\n`);
    return 0;
  }
  const config = readConfigOrExit("token", loadTokenCliConfig, process.env);
  const db = createDb({ databaseUrl: config.DATABASE_URL, poolSize: 1 });
  try {
    const { stdout, stderr } = await runTokenCommand(db, command);
    process.stderr.write(stderr);
    process.stdout.write(stdout);
    return 0;
  } finally {
    await db.$disconnect();
  }
}

await runCli(main, TOKEN_USAGE);
