import { AppError } from "@slipway/contracts";

/**
 * Runs an operator command's `main` and exits with its code: 1 when it throws, with the
 * error's cause on one line (Prisma's messages quote the calling source first and the cause
 * last: keep the cause); 2 and the usage after an AppError "bad_request" (bad arguments).
 */
export async function runCli(main: (argv: string[]) => Promise<number>, usage: string): Promise<never> {
  let code: number;
  try {
    code = await main(process.argv.slice(2));
  } catch (err) {
    const badArgs = err instanceof AppError && err.code === "bad_request";
    const message =
      err instanceof Error
        ? (err.message
            .split("\n")
            .filter((l) => l.trim())
            .at(-1) ?? err.name)
        : String(err);
    process.stderr.write(`error: ${message}\n${badArgs ? `${usage}\n` : ""}`);
    code = badArgs ? 2 : 1;
  }
  process.exit(code);
}
