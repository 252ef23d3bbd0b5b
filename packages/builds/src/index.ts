export { getBuild } from "./get-build";
export { listBuilds } from "./list-builds";
export { toBuildDto, type BuildWithRepo } from "./to-build-dto";
