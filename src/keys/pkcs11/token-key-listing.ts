/** What `rest-sts keys --pkcs11` shows of a token: its private keys, by label and id, with their public facts. */
import * as pkcs11 from 'pkcs11js';
import { describeAsymmetricKey } from '../key-object-facts';
import { attribute, bool, findObjectsAll, publicKeyOf, selectorTemplate, type KeySelector } from './token-objects';
import type { TokenSessionPool } from './token-session-pool';

export interface TokenKeyEntry {
  readonly label: string;
  /** CKA_ID, hex. */
  readonly id: string;
  /** RSA-2048, EC P-256, OKP Ed25519, or the problem reading the public key. */
  readonly type: string;
  readonly sign: boolean;
  readonly extractable: boolean;
  readonly certificate: boolean;
}

export function listTokenKeys(pool: TokenSessionPool): TokenKeyEntry[] {
  const api = pool.api;
  const session = api.C_OpenSession(pool.connect().slot, pkcs11.CKF_SERIAL_SESSION);
  try {
    return findObjectsAll(api, session, [{ type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PRIVATE_KEY }]).map((object) => {
      const label = attribute(api, session, object, pkcs11.CKA_LABEL)?.toString('utf8') ?? '';
      const id = attribute(api, session, object, pkcs11.CKA_ID) ?? Buffer.alloc(0);
      const selector: KeySelector = id.length > 0 ? { id } : { label };
      const [publicObject] = findObjectsAll(api, session, selectorTemplate(pkcs11.CKO_PUBLIC_KEY, selector));
      const [certificate] = findObjectsAll(api, session, selectorTemplate(pkcs11.CKO_CERTIFICATE, selector));
      const publicKey = publicObject && publicKeyOf(api, session, publicObject);
      const facts = publicKey && typeof publicKey !== 'string' ? describeAsymmetricKey(publicKey) : undefined;
      const type = facts ? (facts.family === 'RSA' ? `RSA-${facts.modulusBits}` : `${facts.family} ${facts.curve}`) : (typeof publicKey === 'string' ? publicKey : 'no public key object');
      return {
        label,
        id: id.toString('hex'),
        type,
        sign: bool(attribute(api, session, object, pkcs11.CKA_SIGN)),
        extractable: bool(attribute(api, session, object, pkcs11.CKA_EXTRACTABLE)),
        certificate: certificate !== undefined,
      };
    });
  } finally {
    api.C_CloseSession(session);
  }
}
