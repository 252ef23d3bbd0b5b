/** What one `docker buildx build` is asked to do. */
export interface BuildxRequest {
  /** folder holding the checked-out commit */
  contextDir: string;
  /** Dockerfile path, absolute */
  dockerfile: string;
  target?: string;
  buildArgs: Record<string, string>;
  /** build secrets: `id` as the Dockerfile mounts it, `env` the variable of buildx's own
   * environment that holds the value (never the value itself: argv is public) */
  secrets?: { id: string; env: string }[];
  labels: Record<string, string>;
  /** RUN network mode; part of BuildKit's cache key, so every worker must use the same one */
  network: string;
  /** the buildx builder instance (a remote BuildKit builder); absent: the Docker daemon's own */
  builder?: string;
  /** the immutable tag pushed to the internal registry */
  imageRef: string;
  /** registry cache refs to import, most specific first */
  cacheFrom: string[];
  /** registry cache ref to export (mode=max) */
  cacheTo: string;
  metadataFile: string;
}

/** The argv after `docker`. */
export function buildxArgs(r: BuildxRequest): string[] {
  const args = [
    "buildx",
    "build",
    ...(r.builder ? ["--builder", r.builder] : []),
    "--progress=rawjson",
    "--metadata-file",
    r.metadataFile,
    "--file",
    r.dockerfile,
    "--network",
    r.network,
  ];
  // Provenance attestations embed the build time, so the same commit would never give the
  // same digest; Slipway records provenance itself (build rows). Reproducible digests let a
  // rebuild of a commit be recognised (coalescing).
  args.push("--provenance=false");
  // Resolve every image (FROM, COPY --from) through its registry, with this build's own
  // credentials: without it the daemon uses a local copy when it has one, and another
  // repository's image built on this daemon would be readable without any registry check.
  // Layers already here are not downloaded again; only the manifest is asked for.
  args.push("--pull");
  if (r.target) args.push("--target", r.target);
  for (const [k, v] of Object.entries(r.buildArgs)) args.push("--build-arg", `${k}=${v}`);
  for (const [k, v] of Object.entries(r.labels)) args.push("--label", `${k}=${v}`);
  for (const s of r.secrets ?? []) args.push("--secret", `id=${s.id},env=${s.env}`);
  for (const ref of r.cacheFrom) args.push("--cache-from", `type=registry,ref=${ref}`);
  args.push("--cache-to", `type=registry,ref=${r.cacheTo},mode=max,ignore-error=true`);
  args.push("--tag", r.imageRef, "--push", r.contextDir);
  return args;
}
