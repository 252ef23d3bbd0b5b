import type { Db } from "@slipway/db";
import { createApiToken } from "./create-api-token";
import { formatTokenTable } from "./format-token-table";
import { listApiTokens } from "./list-api-tokens";
import type { TokenCommand } from "./parse-token-command";
import { revokeApiToken } from "./revoke-api-token";

/**
 * Runs an `npm run token` command as the operator (whoever holds DATABASE_URL reaches every
 * repository). A created token is the only thing on stdout, so `$(npm run -s token -- create
 * ...)` captures exactly it; what it is goes to stderr.
 */
export async function runTokenCommand(
  db: Db,
  command: Exclude<TokenCommand, { kind: "help" }>,
): Promise<{ stdout: string; stderr: string }> {
  switch (command.kind) {
    case "list":
      return { stdout: formatTokenTable((await listApiTokens(db, null)).tokens), stderr: "" };
    case "revoke": {
      const t = await revokeApiToken(db, command.id, null);
      return { stdout: `revoked API token ${t.id} "${t.name}" at ${t.revokedAt}\n`, stderr: "" };
    }
    case "create": {
      const { token, ...t } = await createApiToken(db, command.body);
      const stderr = [
        `created API token ${t.id} "${t.name}"`,
        `  scopes:       ${t.scopes.join(", ")}`,
        `  repositories: ${t.repositories?.join(", ") ?? "every repository"}`,
        `  expires:      ${t.expiresAt ?? "never"}`,
        "the token (on stdout) is shown this once: store it now",
      ].join("\n");
      return { stdout: `${token}\n`, stderr: `${stderr}\n` };
    }
  }
}
