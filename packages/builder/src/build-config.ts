import { parseDocument, type Document } from "yaml";
import { ZBuildConfig, type TBuildConfig } from "@slipway/contracts";
import { UserFailure } from "./failures";

export type { TBuildConfig };

export const CONFIG_FILE = ".slipway.yml";

/**
 * How many nodes aliases (*name) may expand to in all: a few levels of aliases to aliases
 * (billion laughs) would otherwise turn a 1 KiB file into gigabytes when converted.
 */
const MAX_ALIAS_COUNT = 100;

/** Parses the file's text (undefined: no file, defaults). Throws UserFailure naming the field. */
export function parseBuildConfig(text: string | undefined): TBuildConfig {
  if (text === undefined) return ZBuildConfig.parse({});
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new UserFailure(`${CONFIG_FILE} is not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
  }
  const raw: unknown = toPlainValue(doc) ?? {};
  const parsed = ZBuildConfig.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const field = i.path.length ? i.path.join(".") : "(top level)";
      return `${field}: ${i.message}`;
    });
    throw new UserFailure(`${CONFIG_FILE} is invalid: ${problems.join("; ")}`);
  }
  return parsed.data;
}

function toPlainValue(doc: Document): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml reports an alias whose anchor is not set before it, and aliases expanding past
    // maxAliasCount, only when converting, as a ReferenceError: both are the file's fault.
    if (err instanceof ReferenceError) throw new UserFailure(`${CONFIG_FILE} is not valid YAML: ${err.message}`);
    throw err;
  }
}
