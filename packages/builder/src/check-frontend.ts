import { open } from "node:fs/promises";
import { UserFailure } from "./failures";

/** The Dockerfile frontends BuildKit publishes: they honour BUILDKIT_CACHE_MOUNT_NS. */
const OFFICIAL = /^(docker\.io\/)?docker\/dockerfile(:[A-Za-z0-9._-]+)?(@sha256:[0-9a-f]{64})?$/;

/**
 * Refuses a `# syntax=` parser directive naming anything but BuildKit's own Dockerfile frontend
 * (or an image under the farm's base paths). A frontend is code BuildKit runs with the build's
 * session: a custom one could pick any cache-mount id and read or poison another repository's
 * RUN --mount=type=cache contents, which the farm keeps apart by namespace.
 */
export async function checkFrontend(dockerfile: string, allowedPrefixes: readonly string[]): Promise<void> {
  const fh = await open(dockerfile, "r").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined; // buildx reports a missing Dockerfile by name
    throw err;
  });
  if (!fh) return;
  let head: string;
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await fh.close();
  }
  // Parser directives: `# name=value` lines at the very top, before anything else.
  for (const line of head.replace(/^\uFEFF/, "").split("\n")) {
    const m = /^#\s*([A-Za-z]+)\s*=\s*(\S*)\s*$/.exec(line.replace(/\r$/, ""));
    if (!m) break;
    if (m[1]!.toLowerCase() !== "syntax") continue;
    const image = m[2]!;
    if (OFFICIAL.test(image) || allowedPrefixes.some((p) => image.startsWith(p))) return;
    throw new UserFailure(
      `the Dockerfile's "# syntax=${image.slice(0, 200)}" names a custom BuildKit frontend; this farm runs docker/dockerfile frontends only (a custom frontend could read other repositories' build caches)`,
    );
  }
}
