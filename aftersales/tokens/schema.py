"""drf-spectacular postprocessing hook: every API operation may answer 429 (throttles)."""

THROTTLED = {
    "type": "object",
    "properties": {"detail": {"type": "string", "readOnly": True}},
    "required": ["detail"],
}


def declare_throttled_responses(result, generator, request, public):
    """Add the 429 answer, with its ``Retry-After`` header, to every operation that does
    not declare one: each endpoint is throttled per token and per user, the sign-in
    endpoint per client address (README, "Integrator tokens and throttling")."""
    result.setdefault("components", {}).setdefault("schemas", {})["Throttled"] = THROTTLED
    response = {
        "description": "Too many requests: try again after Retry-After seconds.",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before the next request.",
                "schema": {"type": "integer", "minimum": 0},
            }
        },
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Throttled"}}},
    }
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                operation.setdefault("responses", {}).setdefault("429", response)
    return result
