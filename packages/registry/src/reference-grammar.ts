/**
 * The distribution reference grammar (github.com/distribution/reference), as anchored
 * regular expressions. Kept in one place so image references, tags and digests given to
 * the client are all checked against the same rules before any request is sent.
 */
const pathComponent = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const domainComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domainName = `${domainComponent}(?:\\.${domainComponent})*`;
const ipv6 = "\\[(?:[a-fA-F0-9:]+)\\]";

/** host[:port], where host is a DNS name, an IPv4 address or a bracketed IPv6 address. */
export const REGISTRY_HOST = new RegExp(`^(?:${domainName}|${ipv6})(?::[0-9]+)?$`);
/** A registry host[:port] as image references name it. */
export const isRegistryHost = (host: string): boolean => REGISTRY_HOST.test(host);
/** One or more lower-case path components separated by "/". */
export const REPOSITORY = new RegExp(`^${pathComponent}(?:/${pathComponent})*$`);
/** OCI distribution spec tag grammar. */
export const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** algorithm:encoded, with the encoded length checked for the algorithms we can verify. */
export const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

const HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

/** Only digests whose sha we can recompute are accepted: the copy verifies every byte it moves. */
export function isVerifiableDigest(digest: string): boolean {
  if (!DIGEST.test(digest)) return false;
  const [algorithm = "", encoded = ""] = digest.split(":");
  const length = HEX_LENGTH[algorithm];
  return length !== undefined && encoded.length === length && /^[a-f0-9]+$/.test(encoded);
}
