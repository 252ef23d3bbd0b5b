export { receiveDelivery, type Received, type ReceiveDeps } from "./receive-delivery";
export { SignatureVerifier } from "./verify-signature";
export type { RawDelivery } from "./parse-delivery";
export { RepositoryAllowList } from "./repository-allow-list";
export type { ForkPolicy } from "./classify-pull-request";
export { DeliveryStore, type DeliveryStoreOptions } from "./delivery-store";
