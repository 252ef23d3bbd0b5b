/**
 * The cache @octokit/auth-app keeps installation tokens in, bounded by each token's own
 * `expires_at`. auth-app's default keeps a token 59 minutes whatever GitHub said; a token
 * GitHub (or GitHub Enterprise) made shorter-lived would then be used after it expired.
 * auth-app stores `token|createdAt|expiresAt|...`: an entry is dropped 5 minutes before its
 * expiresAt, so a fetch that starts with a token never outlives it. Tokens stay in memory only.
 */
export function expiringTokenCache(
  marginMs = 5 * 60_000,
  maxEntries = 1000,
): { get(key: string): string | undefined; set(key: string, value: string): void } {
  const entries = new Map<string, string>();
  const usable = (value: string) => {
    const expiresAt = Date.parse(value.split("|")[2] ?? "");
    return Number.isFinite(expiresAt) && expiresAt - marginMs > Date.now();
  };
  return {
    get(key) {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      if (usable(value)) return value;
      entries.delete(key);
      return undefined;
    },
    set(key, value) {
      entries.delete(key);
      entries.set(key, value);
      // Oldest first: Maps keep insertion order.
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
  };
}
