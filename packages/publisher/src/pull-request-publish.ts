/**
 * Why a pull request build does not publish, or null when it may. A fork's pull request never
 * publishes, whatever its .slipway.yml says: that file comes from the fork's own commit, and
 * publishing would put a stranger's image under the repository's name with the farm's
 * credentials. A pull request from the repository's own branch publishes `pr-<n>` when the
 * config opts in.
 */
export function pullRequestPublishRefusal(
  build: { refType: string; pullRequest: number | null; fromFork: boolean },
  config: { publishPullRequests: boolean },
): string | null {
  if (build.refType !== "pull_request") return null;
  if (build.fromFork) return `pull request #${build.pullRequest} is from a fork: forks never publish`;
  if (!config.publishPullRequests)
    return `pull request #${build.pullRequest}: pull requests publish only with publishPullRequests: true in .slipway.yml`;
  return null;
}
