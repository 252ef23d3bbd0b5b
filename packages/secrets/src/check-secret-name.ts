import { AppError, SECRET_NAME, SECRET_NAME_RULE } from "@slipway/contracts";

/** 422 naming the grammar unless `name` is a build secret name (what `.slipway.yml` and BuildKit accept). */
export function checkSecretName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    // The name is not echoed: a caller may have pasted the value into the URL by mistake.
    throw new AppError(
      "unprocessable",
      `the secret name must be ${SECRET_NAME_RULE} (what .slipway.yml "secrets:" and RUN --mount=type=secret,id=NAME accept)`,
    );
  }
}
