"""The OpenAPI components of the API's error responses (see api.AutoSchema); plain data, so the
settings can name them without importing DRF."""

ERROR_COMPONENTS = {
    "schemas": {
        "Refusal": {
            "type": "object",
            "description": "Why the request was refused: the reasons about a field under its name, "
            "the others under non_field_errors.",
            "properties": {"non_field_errors": {"type": "array", "items": {"type": "string"}}},
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "Detail": {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
        },
        "Stale": {
            "type": "object",
            "description": "The object as it now stands, and its ETag: re-apply your change to it and send "
            "that ETag as If-Match.",
            "properties": {
                "detail": {"type": "string"},
                "etag": {"type": "string"},
                "current": {"type": "object", "additionalProperties": True},
            },
            "required": ["detail", "etag", "current"],
        },
    }
}
