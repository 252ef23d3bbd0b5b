import { parseArgs } from "node:util";
import { AppError, ZCreateTokenBody, type TCreateTokenBody } from "@slipway/contracts";

export type TokenCommand =
  { kind: "create"; body: TCreateTokenBody } | { kind: "list" } | { kind: "revoke"; id: string } | { kind: "help" };

export const TOKEN_USAGE = `usage:
  npm run token -- create --name NAME --scope read|write|admin [--scope ...] [--repo owner/* | owner/repo ...] [--expires-days N]
  npm run token -- list
  npm run token -- revoke ID`;

const FLAG_OF_FIELD: Record<string, string> = { name: "--name", scopes: "--scope", repositories: "--repo", expiresAt: "--expires-days" };
const MAX_DAYS = 36_500;

const usage = (message: string): never => {
  throw new AppError("bad_request", message);
};

/**
 * `npm run token` arguments as a command, or AppError("bad_request") with a message naming the
 * bad flag. Create flags go through the same zod schema as POST /api/v1/tokens.
 */
export function parseTokenCommand(argv: string[], now = new Date()): TokenCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        name: { type: "string" },
        scope: { type: "string", multiple: true },
        repo: { type: "string", multiple: true },
        "expires-days": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === "help") return { kind: "help" };
  const flags = Object.keys(values);

  if (command === "list" || command === "revoke") {
    if (flags.length) usage(`${command} takes no options (got --${flags[0]})`);
    if (command === "list") {
      if (rest.length) usage(`list takes no arguments (got "${rest[0]}")`);
      return { kind: "list" };
    }
    if (rest.length !== 1) usage("revoke takes exactly one token id: npm run token -- revoke ID (ids are in npm run token -- list)");
    return { kind: "revoke", id: rest[0]! };
  }
  if (command !== "create")
    return usage(
      command === undefined ? "missing command: create, list or revoke" : `unknown command "${command}": create, list or revoke`,
    );
  if (rest.length) usage(`create takes only options (got "${rest[0]}")`);

  let expiresAt: string | undefined;
  const days = values["expires-days"];
  if (days !== undefined) {
    if (!/^\d+$/.test(days) || Number(days) < 1 || Number(days) > MAX_DAYS)
      usage(`--expires-days: must be a whole number of days, 1-${MAX_DAYS}`);
    expiresAt = new Date(now.getTime() + Number(days) * 86_400_000).toISOString();
  }
  const input = { name: values.name, scopes: values.scope, repositories: values.repo, expiresAt };
  const body = ZCreateTokenBody.safeParse(input);
  if (!body.success) {
    const problems = body.error.issues.map((i) => {
      const [field, index] = i.path;
      const flag = FLAG_OF_FIELD[String(field)] ?? String(field ?? "");
      // Say which of several --repo / --scope values was wrong.
      const value = typeof index === "number" ? (input[field as "scopes" | "repositories"] ?? [])[index] : undefined;
      return `${flag}: ${value === undefined ? "" : `"${value}" `}${i.message}`;
    });
    return usage(problems.join("; "));
  }
  return { kind: "create", body: body.data };
}
