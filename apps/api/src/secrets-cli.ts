// npm run secrets -- rotate-key: re-seals every stored secret under a new key. Reads
// DATABASE_URL, SLIPWAY_SECRET_KEY (the key in use) and SLIPWAY_NEW_SECRET_KEY (the next one).
// Exit codes: 0 done, 1 failed, 2 bad arguments, 78 bad configuration.
import { readConfigOrExit } from "@slipway/config";
import { createDb } from "@slipway/db";
import { rotateSecretKey, SecretBox } from "@slipway/secrets";
import { loadSecretsCliConfig } from "./config";
import { runCli } from "./run-cli";

const USAGE = `usage: npm run secrets -- rotate-key
  Re-seals every stored secret under SLIPWAY_NEW_SECRET_KEY (64 hex digits: openssl rand -hex 32),
  opening them with SLIPWAY_SECRET_KEY. All or nothing; safe to run again. Then set
  SLIPWAY_SECRET_KEY to the new key everywhere (npm run farm: FARM_SECRET_KEY in .slipway/farm/secrets.env).`;

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (argv.length !== 1 || argv[0] !== "rotate-key") {
    process.stderr.write(`error: unknown command ${JSON.stringify(argv.join(" "))}\n${USAGE}\n`);
    return 2;
  }
  const config = readConfigOrExit("secrets", loadSecretsCliConfig, process.env);
  const current = new SecretBox(config.SLIPWAY_SECRET_KEY);
  const next = new SecretBox(config.SLIPWAY_NEW_SECRET_KEY);
  const db = createDb({ databaseUrl: config.DATABASE_URL, poolSize: 1 });
  try {
    const n = await rotateSecretKey(db, current, next);
    process.stdout.write(
      `re-sealed ${n} secret${n === 1 ? "" : "s"} under key ${next.keyId} (was ${current.keyId}); now set SLIPWAY_SECRET_KEY to the new key\n`,
    );
    return 0;
  } finally {
    await db.$disconnect();
  }
}

await runCli(main, USAGE);
