import { InfrastructureFailure, UserFailure } from "./failures";
import type { StepRecord } from "./step-tracker";

export interface BuildxOutcome {
  exitCode: number | null;
  /** buildx's own non-JSON lines, e.g. "ERROR: failed to solve: ..." */
  textLines: string[];
  /** the Dockerfile step that failed, if BuildKit reported one */
  failedStep: StepRecord | undefined;
  /** the Dockerfile path as configured (for messages) */
  dockerfile: string;
}

// Infrastructure: our daemon, network or registry failed, not the user's build.
const INFRA = [
  /Cannot connect to the Docker daemon/i,
  /error during connect/i,
  /connection refused/i,
  /connection reset/i,
  /i\/o timeout/i,
  /no such host/i,
  /TLS handshake timeout/i,
  /unexpected status( from \w+ request to \S+)?: 5\d\d/i,
  /\b50[0234] (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)\b/i,
  /unexpected EOF/i,
  /failed to (push|export|copy)/i,
  /no space left on device/i,
  /(server|daemon) (is )?shutting down/i,
  /context canceled/i,
  /rpc error: code = (Unavailable|Internal|Canceled|DeadlineExceeded)/i,
  /failed to create shim task|OCI runtime (create|start|exec) failed/i,
  /failed to (get|load) (image|layer|snapshot)|snapshot .* does not exist/i,
];

/**
 * The one exhaustive classifier of a failed buildx run: returns the error to throw, with a
 * message a user can act on. Known user mistakes are recognised by BuildKit's own wording;
 * a failing Dockerfile step is the user's; anything else is treated as infrastructure (retried
 * a bounded number of times, then failed with the cause).
 */
export function classifyBuildFailure(o: BuildxOutcome): UserFailure | InfrastructureFailure {
  const errorLine =
    [...o.textLines].reverse().find((l) => l.startsWith("ERROR:")) ?? o.textLines.at(-1) ?? `buildx exited with code ${o.exitCode}`;
  const detail = errorLine.replace(/^ERROR:\s*/, "").replace(/^failed to solve:\s*/, "");
  let m: RegExpExecArray | null;
  // The user's process ran and exited non-zero: theirs, whatever its command line says.
  if ((m = /process "(.*)" did not complete successfully: exit code: (\d+)/.exec(detail))) {
    const step = o.failedStep?.name ?? m[1];
    return new UserFailure(`step ${step} failed with exit code ${m[2]}`);
  }
  if ((m = /source "([^"]+)" denied by policy/.exec(detail))) {
    return new UserFailure(`${m[1]}: this farm does not let builds fetch from loopback, private or link-local addresses`);
  }
  // ADD <url>: what the URL answered is about the user's URL (404, 401 of a private host, ...),
  // whatever other steps were cancelled with it.
  if ((m = /invalid response status (4\d\d)/.exec(detail))) {
    return new UserFailure(`ADD <url> failed: the URL answered HTTP ${m[1]}`);
  }
  // buildx's connection to the daemon broke off (its status stream, or the solve call itself,
  // whichever notices first): the daemon stopped or restarted under the build. Said in words,
  // not only gRPC's (the fault suite restarts the daemon mid-RUN and sees both).
  if (
    /^failed to receive status: rpc error: code = Unavailable|^(rpc error: code = )?Unavailable(: | desc = )error reading from server/.test(
      detail,
    )
  ) {
    return new InfrastructureFailure(`lost the connection to the Docker daemon mid-build (it stopped or restarted): ${detail}`);
  }
  // Our side failing shows through whatever BuildKit was doing at the time: check it next.
  if (INFRA.some((re) => re.test(detail)) || (o.failedStep?.error && INFRA.some((re) => re.test(o.failedStep!.error!)))) {
    return new InfrastructureFailure(detail);
  }

  if ((m = /failed to read dockerfile: open (\S+): no such file or directory/.exec(detail))) {
    return new UserFailure(`Dockerfile not found: ${o.dockerfile} (looked for ${m[1]} in the build context)`);
  }
  if ((m = /dockerfile parse error (on )?line (\d+): (.*)/i.exec(detail))) {
    return new UserFailure(`Dockerfile syntax error in ${o.dockerfile} line ${m[2]}: ${m[3]}`);
  }
  if (
    /failed to resolve source metadata for (\S+)/.test(detail) &&
    /: not found$|manifest unknown|repository name not known/i.test(detail)
  ) {
    const image = /failed to resolve source metadata for (\S+?):?\s/.exec(detail)?.[1] ?? "?";
    return new UserFailure(`base image not found: ${image}`);
  }
  if (
    /failed to resolve source metadata for/.test(detail) &&
    /(401|403) (Unauthorized|Forbidden)|authorization failed|insufficient_scope/i.test(detail)
  ) {
    return new UserFailure(
      `base image cannot be pulled (access denied; in the farm's internal registry a build may pull only its own repository's images and the base images): ${detail}`,
    );
  }
  if ((m = /failed to compute cache key: .*?"([^"]+)": not found/.exec(detail))) {
    return new UserFailure(`${o.failedStep?.name ?? "COPY/ADD"}: source path not found in the build context: ${m[1]}`);
  }
  if (
    /target stage "?[^"]*"? could not be found|failed to parse stage name|invalid reference format|unknown flag|empty continuation line/i.test(
      detail,
    )
  ) {
    return new UserFailure(`${o.dockerfile}: ${detail}`);
  }
  // Anything else — including a step error in words we do not know — is treated as ours:
  // retrying a user mistake costs a few bounded tries, failing a daemon hiccup for good
  // would lose the build.
  const cause = o.failedStep?.error ? `step ${o.failedStep.name}: ${o.failedStep.error}` : detail;
  return new InfrastructureFailure(cause);
}
