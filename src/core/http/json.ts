/** Server answers are untrusted: read them as plain objects and pick fields by type. */
export type JsonObject = Record<string, unknown>;

export function parseJsonObject(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as JsonObject)
      : undefined;
  } catch {
    return undefined;
  }
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A field that must be a non-empty string; `refuse` builds the error when it is not. */
export function requiredString(object: JsonObject, key: string, refuse: () => Error): string {
  const value = nonEmptyString(object[key]);
  if (value === undefined) throw refuse();
  return value;
}

/** A field's value if it is a non-empty string. */
export function stringField(object: JsonObject | undefined, key: string): string | undefined {
  return nonEmptyString(object?.[key]);
}

/** A string field, or an integer one as its decimal text (`"error_code": 403`, GO `apierr`: "int or string"). */
export function codeOrText(object: JsonObject | undefined, key: string): string | undefined {
  const value = object?.[key];
  return Number.isSafeInteger(value) ? String(value) : nonEmptyString(value);
}

/** A field's value if it is a JSON object; an empty object otherwise. */
export function objectField(object: JsonObject, key: string): JsonObject {
  const value = object[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : {};
}
