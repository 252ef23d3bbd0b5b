import type { TApiToken } from "@slipway/contracts";

const COLUMNS = ["ID", "NAME", "PREFIX", "SCOPES", "REPOSITORIES", "EXPIRES", "LAST USED", "STATUS"];

/** Tokens as an aligned text table for `npm run token -- list` (no secrets: there are none). */
export function formatTokenTable(tokens: TApiToken[], now = new Date()): string {
  if (!tokens.length) return "no API tokens in the database (the bootstrap SLIPWAY_API_TOKEN is configuration, not a row)\n";
  const rows = tokens.map((t) => [
    t.id,
    t.name,
    `${t.prefix}…`,
    t.scopes.join(",") || "(none)",
    t.repositories?.join(",") ?? "*",
    t.expiresAt ?? "never",
    t.lastUsedAt ?? "never",
    t.revokedAt ? "revoked" : t.expiresAt && new Date(t.expiresAt) <= now ? "expired" : "active",
  ]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  return (
    [COLUMNS, ...rows]
      .map((r) =>
        r
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}
