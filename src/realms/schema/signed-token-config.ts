import { IsIn, IsString } from 'class-validator';
import { JWS_ALGORITHM_NAMES, type JwsAlgorithmName } from '../../keys/jws-algorithms';

/** What every signed token output (ID token, access token) needs: an algorithm and a realm key. */
export abstract class SignedTokenConfig {
  @IsIn(JWS_ALGORITHM_NAMES, { message: `signature_algorithm must be one of: ${JWS_ALGORITHM_NAMES.join(', ')}` })
  signature_algorithm!: JwsAlgorithmName;

  /** kid of a realm key with `use: sig` (or the name of a rotating key). */
  @IsString()
  signing_key!: string;
}
