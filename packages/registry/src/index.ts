/**
 * @slipway/registry: copies an image by digest from one registry to another over the OCI
 * distribution API and applies tags. Hand-written on Node's fetch because no well-kept Node
 * library does registry-to-registry copy over that API (the maintained tools for it are Go
 * programs like crane, skopeo and regctl), and the publisher needs it in-process.
 */
export { parseImageRef, type ImageRef } from "./parse-image-ref";
export { RegistryClient, type RegistryClientOptions } from "./registry-client";
export { isLoopbackHost } from "./is-loopback-host";
export { canonicalRegistryHost, DOCKER_HUB, registryApiHost } from "./docker-hub";
export { isRegistryHost } from "./reference-grammar";
export type { RegistryCredentials } from "./registry-auth";
export { RegistryError, type RegistryErrorKind } from "./registry-error";
export type { CopyResult, ImageSource, ImageTarget } from "./copy-image";
export type { FetchedManifest } from "./fetch-manifest";
export { MediaType } from "./media-types";
