import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { AppError, type TApiError } from "@slipway/contracts";

/**
 * Fastify's clientErrorHandler: a request Node's HTTP parser refuses before any route sees it
 * (headers over 16 KiB, a request line or header that is not HTTP, a request slower than
 * requestTimeout) answered in the API's one error shape, `{"error":{"code","message"}}`, like
 * every other refusal. Fastify's own handler answered `{"error":"Request Header Fields Too
 * Large",...}` there (found by fuzzing: test/fuzz-webhook.test.ts). The connection is closed
 * after: the parser cannot find where the next request would start.
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const e =
    err.code === "HPE_HEADER_OVERFLOW"
      ? new AppError("headers_too_large", "request headers are larger than the limit (16 KiB in all)")
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? new AppError("request_timeout", "the request did not arrive in time")
        : new AppError("bad_request", "the request is not valid HTTP");
  const body: TApiError = { error: { code: e.code, message: e.message } };
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? ""}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    );
  }
  socket.destroy();
}
