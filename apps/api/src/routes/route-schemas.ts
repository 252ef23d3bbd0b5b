import { ZApiError } from "@slipway/contracts";
import { z } from "zod";

/** The path and query parts several /api/v1 routes share, and the error answer every route has. */
export const ZIdParams = z.object({ id: z.string().describe("a build id") });

export const ZAttemptQuery = z.object({
  attempt: z.string().optional().describe("an attempt number (1 is the first run); default: the latest"),
});

/** every error: `{"error":{"code","message","details"?}}` */
export const errorAnswers = { default: ZApiError } as const;
