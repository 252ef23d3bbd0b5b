/**
 * The path of a repository's images in the farm's internal registry: `github/<repository id>`,
 * its layer cache at `github/<repository id>/cache`. Keyed by GitHub's numeric id, never by
 * name: a renamed repository keeps its images and cache, and a new repository that takes a
 * freed name starts from an empty namespace (it can never import the old one's cache).
 */
export function internalImagePath(githubId: bigint | number | string): string {
  const id = String(githubId);
  if (!/^[1-9][0-9]{0,19}$/.test(id)) throw new Error(`not a GitHub repository id: ${id}`);
  return `github/${id}`;
}

export const internalCachePath = (githubId: bigint | number | string): string => `${internalImagePath(githubId)}/cache`;
