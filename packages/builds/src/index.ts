export { cancelBuild } from "./cancel-build";
export { followBuildLog, type LogEvent } from "./follow-build-log";
export { getBuild } from "./get-build";
export { listBuildPublishes } from "./list-build-publishes";
export { listBuilds } from "./list-builds";
export { listBuildSteps } from "./list-build-steps";
export { readBuildLog } from "./read-build-log";
export { retryBuild } from "./retry-build";
export { toBuildDto, type BuildWithRepo } from "./to-build-dto";
