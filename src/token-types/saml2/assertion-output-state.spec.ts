import { refusal } from '../../../test/support/sts-refusal';
import { readSaml2OutputState } from './assertion-output-state';

describe('SAML2 output_token_state, subject_confirmation', () => {
  it('defaults to BEARER unless the instance reads requests as PingAM does', () => {
    expect(readSaml2OutputState({ token_type: 'SAML2' }).subjectConfirmation).toBe('BEARER');
    expect(readSaml2OutputState({ token_type: 'SAML2' }, { requireSubjectConfirmation: false }).subjectConfirmation).toBe('BEARER');
  });

  it('is required in PingAM compatibility (as SAML2TokenCreationState.fromJson): 400 subject_confirmation_required', () => {
    const error = refusal(() => readSaml2OutputState({ token_type: 'SAML2' }, { requireSubjectConfirmation: true }));
    expect(error).toMatchObject({ status: 400, code: 'subject_confirmation_required' });
    expect(error.message).toContain('BEARER, SENDER_VOUCHES, HOLDER_OF_KEY');
  });

  it.each(['BEARER', 'SENDER_VOUCHES'])('is taken as given in PingAM compatibility: %s', (method) => {
    expect(readSaml2OutputState({ token_type: 'SAML2', subject_confirmation: method }, { requireSubjectConfirmation: true }).subjectConfirmation).toBe(method);
  });

  it.each([null, '', 'bearer', 7])('is refused when present but not a method (%j), in either mode', (value) => {
    for (const requireSubjectConfirmation of [false, true]) {
      expect(refusal(() => readSaml2OutputState({ token_type: 'SAML2', subject_confirmation: value }, { requireSubjectConfirmation }))).toMatchObject({ status: 400 });
    }
  });
});
