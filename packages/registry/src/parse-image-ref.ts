import { canonicalRegistryHost, DOCKER_HUB } from "./docker-hub";
import { DIGEST, isVerifiableDigest, REGISTRY_HOST, REPOSITORY, TAG } from "./reference-grammar";

export interface ImageRef {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * Splits "[host[:port]/]repo/path[:tag][@digest]" the way `docker tag` reads names: the first
 * component is a registry only if it looks like a host (has a "." or ":", or is "localhost");
 * otherwise the name is on Docker Hub (`fedora/httpd` = docker.io/fedora/httpd), and a Docker
 * Hub name of one component is an official image (`httpd` = docker.io/library/httpd).
 * The registry comes back canonical (lowercase; `index.docker.io` and `registry-1.docker.io`, Docker
 * Hub's old name and API host, as docker.io). Throws a plain Error naming the part that is wrong.
 */
export function parseImageRef(ref: string): ImageRef {
  const fail = (why: string): never => {
    throw new Error(`invalid image reference ${JSON.stringify(ref)}: ${why}`);
  };
  if (ref.trim() !== ref || ref === "") fail("empty or surrounded by whitespace");

  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) fail(`digest ${JSON.stringify(digest)} is not algorithm:hex`);
    if (!isVerifiableDigest(digest)) fail(`digest ${JSON.stringify(digest)} is not a sha256 or sha512 digest`);
  }

  const slash = rest.indexOf("/");
  const first = slash < 0 ? "" : rest.slice(0, slash);
  // Same rule as docker: the first component is a registry only if it looks like a host.
  const looksLikeHost = first.includes(".") || first.includes(":") || first === "localhost";
  const registry = looksLikeHost ? canonicalRegistryHost(first) : DOCKER_HUB;
  let path = looksLikeHost ? rest.slice(slash + 1) : rest;
  if (!REGISTRY_HOST.test(registry)) fail(`registry host ${JSON.stringify(registry)} is malformed`);

  let tag: string | undefined;
  const colon = path.lastIndexOf(":");
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) fail(`tag ${JSON.stringify(tag)} does not match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`);
  }
  if (path === "") fail("missing repository");
  if (registry === DOCKER_HUB && !path.includes("/")) path = `library/${path}`;
  if (path.length > 255) fail("repository is longer than 255 characters");
  if (!REPOSITORY.test(path)) {
    fail(
      `repository ${JSON.stringify(path)} must be lower-case path components of [a-z0-9] joined by ".", "_", "__" or "-", separated by "/"`,
    );
  }

  const parsed: ImageRef = { registry, repository: path };
  if (tag !== undefined) parsed.tag = tag;
  if (digest !== undefined) parsed.digest = digest;
  return parsed;
}
