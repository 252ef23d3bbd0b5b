import { isGithubFullName } from "@slipway/contracts";
import { UserFailure } from "./failures";

/**
 * Where the farm fetches a repository: `<SLIPWAY_GIT_BASE_URL>/<owner>/<repo>.git`. The name
 * is checked against GitHub's grammar again here (it came from a payload once), so nothing in
 * it can become a path, an option or another host.
 */
export function repositoryGitUrl(baseUrl: string, fullName: string): string {
  if (!isGithubFullName(fullName))
    throw new UserFailure(`repository name ${JSON.stringify(fullName).slice(0, 120)} is not owner/repo as GitHub names them`);
  return `${baseUrl.replace(/\/+$/, "")}/${fullName}.git`;
}
