/**
 * The environment every git of the farm runs with: never prompts (a missing credential fails
 * at once instead of hanging a worker or a request), and may speak only `protocols`
 * (GIT_ALLOW_PROTOCOL, which git also applies to redirects and submodules).
 */
export function hardenedGitEnv(env: NodeJS.ProcessEnv, protocols: readonly string[]): NodeJS.ProcessEnv {
  return {
    ...env,
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/true",
    GIT_ALLOW_PROTOCOL: protocols.join(":"),
    GIT_PROTOCOL_FROM_USER: "0",
  };
}
