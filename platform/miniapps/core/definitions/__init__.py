"""App definitions: load, validate (meta-schema, then semantics), fields, version changes."""
