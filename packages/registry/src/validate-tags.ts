import { RegistryError } from "./registry-error";
import { TAG } from "./reference-grammar";

/** Checks every tag up front so that one bad tag leaves the target untouched, not half-published. */
export function validateTags(registry: string, repository: string, tags: readonly string[]): void {
  for (const tag of tags) {
    if (!TAG.test(tag)) {
      throw new RegistryError(
        `${registry}/${repository}: invalid tag ${JSON.stringify(tag)} (must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127})`,
        { registry, kind: "user" },
      );
    }
  }
}
