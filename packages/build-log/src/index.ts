export { BuildLogSink, type BuildLogSinkOptions } from "./build-log-sink";
export { cutLine, MAX_LINE_BYTES } from "./cut-line";
export { LineAssembler } from "./line-assembler";
export { SecretMasker } from "./secret-masker";
