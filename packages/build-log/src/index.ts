export { BuildLogSink, type BuildLogSinkOptions } from "./build-log-sink";
export { cutLine, MAX_LINE_BYTES } from "./cut-line";
