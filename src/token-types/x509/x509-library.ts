/**
 * @peculiar/x509 with node's WebCrypto as its crypto provider, for X.509 input and output alike.
 * Import the library only through this module: tsyringe (used inside it) needs reflect-metadata
 * loaded first.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type X509Crypto = ReturnType<typeof x509.cryptoProvider.get>;

/** node's WebCrypto, typed as the library's provider. */
export const x509Crypto = webcrypto as unknown as X509Crypto;
x509.cryptoProvider.set(x509Crypto);

export { x509 };
