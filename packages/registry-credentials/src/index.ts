export { deleteRegistryCredential } from "./delete-registry-credential";
export { listRegistryCredentials } from "./list-registry-credentials";
export { PublishAccess, type PublishAccessOptions, type PublishGrant } from "./publish-access";
export { putRegistryCredential } from "./put-registry-credential";
