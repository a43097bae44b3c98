import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  SetMetadata,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
const EXTRA_BODY_TYPES = 'twe:extra-body-types';

/** Lets one handler take other body types besides JSON (e.g. `message/rfc822` on POST /api/ingest). */
export const AcceptsBodyTypes = (...types: string[]) => SetMetadata(EXTRA_BODY_TYPES, types);

/**
 * The API speaks JSON only. Without this, Express' urlencoded parser would turn a form post into an
 * object of strings that could pass validation by accident.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (!METHODS_WITH_BODY.has(request.method)) return true;
    const hasBody =
      request.headers['transfer-encoding'] !== undefined ||
      Number(request.headers['content-length'] ?? 0) > 0;
    const extra = this.reflector.get<string[] | undefined>(EXTRA_BODY_TYPES, context.getHandler()) ?? [];
    if (hasBody && !request.is(['application/json', ...extra])) {
      throw new UnsupportedMediaTypeException({
        statusCode: 415,
        message:
          extra.length === 0
            ? 'Request body must be JSON (Content-Type: application/json)'
            : `Request body must be JSON or ${extra.join(' or ')} (Content-Type header)`,
      });
    }
    return true;
  }
}
