"""Response bodies per microversion."""

from __future__ import annotations

from novalite.api.wsgi import Call


def links(call: Call, collection: str, item_id: str) -> list[dict[str, str]]:
    """``self`` (versioned) and ``bookmark`` (unversioned) links of one resource."""
    return [
        {"rel": "self", "href": call.url(collection, item_id)},
        {"rel": "bookmark", "href": call.url(collection, item_id, versioned=False)},
    ]
