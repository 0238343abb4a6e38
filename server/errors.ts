/**
 * The service's error answers: `{ "error": { "code", "message" } }` with a status, never a stack
 * trace. Framework errors (bad JSON, body too large, wrong media type) are mapped to the same shape.
 */
import type { FastifyError, FastifyReply } from 'fastify'

/** Stable error codes of the HTTP API. */
export type ErrorCode =
  | 'bad_json'
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'not_ready'
  | 'tool_blocked'
  | 'audit_unavailable'
  | 'timeout'
  | 'internal'

/** An error the handlers raise on purpose: its status, code and message reach the client. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError'
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** The JSON body of an error answer. */
export function errorBody(code: ErrorCode, message: string): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message } }
}

/** Sends an error answer. */
export function sendError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(code, message))
}

/** Maps any error a route or the framework threw to a status, code and a message safe to show. */
export function describeError(e: unknown): { status: number; code: ErrorCode; message: string } {
  if (e instanceof ServiceError) return { status: e.status, code: e.code, message: e.message }
  const fe = e as Partial<FastifyError> | undefined
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500
  switch (fe?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'bad_json', message: `request body is not valid JSON${fe.message ? `: ${fe.message}` : ''}` }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'body_too_large', message: 'request body is larger than the limit' }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 415 : 400, code: fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type' : 'bad_request', message: fe.message ?? 'bad request' }
  }
  // JSON.parse errors of the body parser (prototype poisoning included) carry status 400.
  if (status === 400) return { status, code: 'bad_json', message: `request body is not valid JSON${fe?.message ? `: ${fe.message}` : ''}` }
  if (status === 413) return { status, code: 'body_too_large', message: 'request body is larger than the limit' }
  if (status === 415) return { status, code: 'unsupported_media_type', message: 'send the request body as application/json' }
  if (status === 408 || status === 504) return { status, code: 'timeout', message: 'the request took too long' }
  if (status >= 400 && status < 500) return { status, code: 'bad_request', message: fe?.message ?? 'bad request' }
  return { status: 500, code: 'internal', message: 'internal error (the service logged it); no decision was made' }
}
