import { copyImage, type CopyResult, type ImageSource, type ImageTarget } from "./copy-image";
import { fetchManifest, type FetchedManifest } from "./fetch-manifest";
import { findManifestDigest } from "./find-manifest-digest";
import { listTags } from "./list-tags";
import { isVerifiableDigest, REPOSITORY, TAG } from "./reference-grammar";
import type { RegistryCredentials } from "./registry-auth";
import { RegistryError } from "./registry-error";
import { isLoopbackHost } from "./is-loopback-host";
import { RegistryTransport } from "./registry-transport";
import { deleteManifest, removeTag } from "./remove-tag";

export interface RegistryClientOptions {
  /** plain HTTP for these hosts; default: hosts that are localhost / 127.x / [::1] */
  insecure?: (host: string) => boolean;
  /** basic auth, and the credentials sent to a bearer token realm */
  credentials?: (host: string) => RegistryCredentials | undefined;
  /** retries for 5xx/429/network errors @defaultValue 4 */
  retries?: number;
  /** base backoff ms @defaultValue 200 */
  backoffMs?: number;
  /** one request's time limit, ms (a blob of gigabytes must fit in it; a hung registry must
   * not hold a publish for ever); a request that runs out is retried like a network error
   * @defaultValue 300000 */
  timeoutMs?: number;
  /** injectable for tests of retry timing only; default: the global fetch */
  fetch?: typeof fetch;
}

/**
 * Client for the OCI distribution API. The state it keeps (auth challenges, tokens) is per
 * host, so one client should serve a whole publish: tokens are reused across images.
 */
export class RegistryClient {
  private readonly transport: RegistryTransport;

  constructor(opts: RegistryClientOptions = {}) {
    this.transport = new RegistryTransport({
      insecure: opts.insecure ?? isLoopbackHost,
      credentials: opts.credentials ?? (() => undefined),
      retries: Math.max(0, opts.retries ?? 4),
      backoffMs: Math.max(0, opts.backoffMs ?? 200),
      timeoutMs: Math.max(1, opts.timeoutMs ?? 300_000),
      fetch: opts.fetch ?? ((input, init) => fetch(input, init)),
    });
  }

  /** GET a manifest (OCI index or manifest, Docker manifest list or v2 manifest): exact bytes, media type, digest. */
  async getManifest(registry: string, repository: string, reference: string): Promise<FetchedManifest> {
    checkReference(registry, repository, reference);
    return fetchManifest(this.transport, registry, repository, reference);
  }

  /** The digest `reference` (a tag) points at in `repository`, or undefined when nothing is there (see findManifestDigest). */
  async manifestDigest(registry: string, repository: string, reference: string): Promise<string | undefined> {
    checkReference(registry, repository, reference);
    return findManifestDigest(this.transport, registry, repository, reference);
  }

  /** Copy `src` (by digest) to `dst` and put each tag; returns the digest every tag now points at (the source digest). */
  copyImage(src: ImageSource, dst: ImageTarget, tags: string[]): Promise<CopyResult> {
    return copyImage(this.transport, src, dst, tags);
  }

  /** Every tag of `repository` ([] when it does not exist). */
  async listTags(registry: string, repository: string): Promise<string[]> {
    checkReference(registry, repository, "latest");
    return listTags(this.transport, registry, repository);
  }

  /** Deletes the manifest `digest` and every tag on it (see deleteManifest); false when it was not there. */
  async deleteManifest(registry: string, repository: string, digest: string): Promise<boolean> {
    checkReference(registry, repository, digest);
    if (!digest.includes(":"))
      throw new RegistryError(`${registry}/${repository}: a manifest is deleted by digest, not by tag ${JSON.stringify(digest)}`, {
        registry,
        kind: "user",
      });
    return deleteManifest(this.transport, registry, repository, digest);
  }

  /** Removes the tag alone, never another tag on the same digest (see removeTag); the digest it pointed at, or undefined. */
  async removeTag(registry: string, repository: string, tag: string): Promise<string | undefined> {
    checkReference(registry, repository, tag);
    if (tag.includes(":"))
      throw new RegistryError(`${registry}/${repository}: ${JSON.stringify(tag)} is a digest, not a tag`, { registry, kind: "user" });
    return removeTag(this.transport, registry, repository, tag);
  }
}

/** Checks a repository and reference against the grammar before any request is sent. */
function checkReference(registry: string, repository: string, reference: string): void {
  if (!REPOSITORY.test(repository)) {
    throw new RegistryError(`${registry}: repository ${JSON.stringify(repository)} is not a valid repository name`, {
      registry,
      kind: "user",
    });
  }
  if (!TAG.test(reference) && !isVerifiableDigest(reference)) {
    throw new RegistryError(`${registry}/${repository}: ${JSON.stringify(reference)} is neither a tag nor a sha256/sha512 digest`, {
      registry,
      kind: "user",
    });
  }
}
