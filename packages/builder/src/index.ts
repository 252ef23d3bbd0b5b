export { executeBuild, type BuildDeps, type BuildJob, type WorkerSettings } from "./execute-build";
export { InfrastructureFailure, UserFailure } from "./failures";
export { classifyBuildFailure } from "./classify-failure";
export { internalRefs } from "./image-refs";
export { RawjsonParser } from "./rawjson-parser";
export { StepTracker } from "./step-tracker";
export type { AttemptOutcome } from "./record-outcome";
export { BuildWorker, type BuildWorkerOptions } from "./build-worker";
export { createRemoteBuilder, endpointHost, remoteBuilderFor, type RemoteBuilder } from "./remote-builder";
