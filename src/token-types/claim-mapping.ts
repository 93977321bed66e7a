/** `claim_map` / `attribute_map`: output name <- identity attribute or input-token claim name. */
import type { JsonValue } from '../plugin-api/json';

export function mapAttributes(
  map: Readonly<Record<string, string>>,
  attributes: Readonly<Record<string, JsonValue>> | undefined,
): Record<string, JsonValue> {
  const mapped: Record<string, JsonValue> = {};
  if (!attributes) return mapped;
  for (const [outputName, sourceName] of Object.entries(map)) {
    if (Object.hasOwn(attributes, sourceName)) mapped[outputName] = attributes[sourceName];
  }
  return mapped;
}
