/**
 * The public contract for STS plugin authors: types and error classes only, no NestJS.
 */
export * from './json';
export * from './token-contract';
export * from './settings';
export {
  StsError,
  isStsError,
  InvalidRequestError,
  InvalidTokenError,
  ServiceUnavailableError,
} from '../errors/sts-errors';
