/**
 * The one error type this package throws. `kind` lets the publisher decide what to do:
 * "user" errors (bad tag, missing image, wrong credentials, denied push) will fail again
 * unchanged and belong in the build's log for its owner; "infrastructure" errors (5xx,
 * 429, network) outlived our retries and are the farm's problem, worth retrying later.
 * Messages never contain credentials or tokens: they are built from the registry host,
 * the repository, what we were doing and the registry's own error codes only.
 */
export type RegistryErrorKind = "user" | "infrastructure";

export interface RegistryErrorInit {
  registry: string;
  kind: RegistryErrorKind;
  status?: number;
  cause?: unknown;
}

export class RegistryError extends Error {
  readonly status?: number;
  readonly registry: string;
  readonly kind: RegistryErrorKind;

  constructor(message: string, init: RegistryErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "RegistryError";
    this.registry = init.registry;
    this.kind = init.kind;
    if (init.status !== undefined) this.status = init.status;
  }
}

/** 5xx and 429 are the registry's (or its network's) trouble; any other failure status is ours to fix. */
export function kindForStatus(status: number): RegistryErrorKind {
  return status >= 500 || status === 429 ? "infrastructure" : "user";
}
