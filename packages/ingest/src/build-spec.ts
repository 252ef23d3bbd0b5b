/** What a delivery asks to build: the Build row's fields taken from the payload. */
export interface BuildSpec {
  trigger: "push" | "pull_request";
  ref: string;
  refType: "branch" | "tag" | "pull_request";
  refName: string;
  sha: string;
  beforeSha: string | null;
  pusher: string | null;
  /** a push: its head commit's message; a pull request: its title */
  commitMessage: string | null;
  pullRequest?: number;
  baseRef?: string;
  headRepository?: string | null;
  fromFork?: boolean;
}
