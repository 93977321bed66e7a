/**
 * verifyIssuedToken answers false, never throws, for a token it cannot read or verify: a
 * malformed or foreign token is simply not one of ours (contract 1.1).
 */
export async function verifiedOrFalse(check: () => boolean | Promise<boolean>): Promise<boolean> {
  try {
    return (await check()) === true;
  } catch {
    return false;
  }
}
