/** RFC 4514 string form of a DER distinguished name, as offered to mapping and `principal_from: subject_dn`. */
import { x509 } from './x509-library';

/**
 * RFC 4514 section 3 short names; every other attribute type is written as its dotted OID.
 * Registering an OID under itself makes @peculiar/x509 report it by OID rather than by its own
 * short names (E, G, SN, T, I), which RFC 4514 does not define.
 */
const RFC4514_NAMES: Record<string, string> = {
  CN: '2.5.4.3',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  C: '2.5.4.6',
  STREET: '2.5.4.9',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  '1.2.840.113549.1.9.1': '1.2.840.113549.1.9.1',
  '2.5.4.42': '2.5.4.42',
  '2.5.4.43': '2.5.4.43',
  '2.5.4.4': '2.5.4.4',
  '2.5.4.12': '2.5.4.12',
};

/** RFC 4514 string of a DER Name: last RDN first, `+` inside an RDN, values escaped. */
export function rfc4514(name: x509.Name): string {
  const named = new x509.Name(name.toArrayBuffer(), RFC4514_NAMES);
  return named
    .toJSON()
    .reverse()
    .map((rdn) =>
      Object.entries(rdn)
        .flatMap(([type, values]) => values.map((value) => `${type}=${escapeValue(value)}`))
        .join('+'),
    )
    .join(',');
}

/**
 * RFC 4514 section 2.4. Values that are not strings come from the library already as `#<hex BER>`
 * (section 2.4's hex form), so a leading `#` is left alone.
 */
function escapeValue(value: string): string {
  if (/^#([0-9A-F]{2})+$/.test(value)) return value;
  return value
    .replace(/[\\"+,;<>]/g, '\\$&')
    .replace(/\0/g, '\\00')
    .replace(/^[ #]/, '\\$&')
    .replace(/ $/, '\\ ');
}
