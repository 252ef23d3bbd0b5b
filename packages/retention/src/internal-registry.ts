/** What retention needs of the internal registry: a RegistryClient (@slipway/registry) with
 * credentials that may pull, push and delete under github/*, and the registry's host. */
export interface InternalRegistry {
  /** host[:port] of the internal registry, as image references name it */
  host: string;
  client: {
    removeTag(registry: string, repository: string, tag: string): Promise<string | undefined>;
    deleteManifest(registry: string, repository: string, digest: string): Promise<boolean>;
    listTags(registry: string, repository: string): Promise<string[]>;
    manifestDigest(registry: string, repository: string, reference: string): Promise<string | undefined>;
  };
}
