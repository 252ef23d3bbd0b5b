/** BullMQ job states in which a worker has the job or will take it. */
export const LIVE_JOB_STATES = ["active", "waiting", "delayed", "prioritized", "waiting-children"] as const;
