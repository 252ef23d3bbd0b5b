import { parseDocument } from "yaml";
import { ZBuildConfig, type TBuildConfig } from "@slipway/contracts";
import { UserFailure } from "./failures";

export type { TBuildConfig };

export const CONFIG_FILE = ".slipway.yml";

/** Parses the file's text (undefined: no file, defaults). Throws UserFailure naming the field. */
export function parseBuildConfig(text: string | undefined): TBuildConfig {
  if (text === undefined) return ZBuildConfig.parse({});
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new UserFailure(`${CONFIG_FILE} is not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
  }
  const raw: unknown = doc.toJS() ?? {};
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
