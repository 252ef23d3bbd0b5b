/** `?attempt=N` as a number (NaN for garbage, which resolveAttempt then rejects by name). */
export const attemptQuery = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
