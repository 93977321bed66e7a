/** The console's refusals: each a status, a stable code and a message for the operator. */
import { StsError } from '../errors/sts-errors';

export const sessionRequired = () =>
  new StsError(401, 'console_session_required', 'Sign in to the console first (your session may have ended after a period without use).');

export const csrfTokenInvalid = () =>
  new StsError(403, 'csrf_token_invalid', 'This change needs the X-CSRF-Token header of your console session; reload the console and try again.');

export const wrongAdminToken = () => new StsError(401, 'admin_unauthorized', 'That is not the admin token of this server.');
