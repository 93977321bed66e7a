/** Token type names: upper case, as PingAM's (USERNAME, OPENIDCONNECT, CUSTOM). */
export const TOKEN_TYPE_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
