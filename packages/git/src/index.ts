export { gitAuthEnv } from "./git-auth-env";
export { hardenedGitEnv } from "./hardened-git-env";
export { resolveRemoteRef, type RemoteRef, type RemoteRefQuery } from "./resolve-remote-ref";
export { runCommand, type CommandResult } from "./run-command";
