import type { TBuild } from "@slipway/contracts";
import { GitBranch, GitPullRequest, Tag } from "lucide-react";

/** The branch, tag or pull request a build is for, with its icon. */
export function RefLabel({ build }: { build: Pick<TBuild, "refType" | "refName" | "pullRequest"> }) {
  const Icon = build.refType === "tag" ? Tag : build.refType === "pull_request" ? GitPullRequest : GitBranch;
  return (
    <span className="inline-flex min-w-0 items-center gap-1 text-zinc-700 dark:text-zinc-300" title={build.refName}>
      <Icon aria-hidden className="size-3.5 shrink-0 text-zinc-400" />
      {build.pullRequest && <span className="shrink-0 font-medium">#{build.pullRequest.number}</span>}
      <span className="truncate font-mono text-xs">{build.refName}</span>
    </span>
  );
}
