"""``GET /allocation_candidates`` (1.10+): which providers could satisfy a request.

Parsing is :mod:`novalite.builtin.placement.candidates.params`, the search
:mod:`~novalite.builtin.placement.candidates.engine` and the body
:mod:`~novalite.builtin.placement.candidates.render`. The whole search reads in one
transaction (one consistent snapshot) on a Core connection. The policy rule
``placement:allocation_candidates:list`` is checked by the route table before this runs.
"""

from __future__ import annotations

from starlette.responses import Response

from novalite.api_common.microversion import versioned
from novalite.builtin.placement.candidates.engine import Options, find_candidates
from novalite.builtin.placement.candidates.params import (
    BAD_VALUE,
    DUPLICATE_KEY,
    MISSING_VALUE,
    parse_query,
)
from novalite.builtin.placement.candidates.render import render_json
from novalite.builtin.placement.candidates.request import CandidateQueryError
from novalite.builtin.placement.errors import (
    BadRequest,
    QueryBadValue,
    QueryDuplicateKey,
    QueryMissingValue,
)
from novalite.builtin.placement.util import JSON_MEDIA_TYPE, PlacementRequest, add_cache_headers

_ERRORS: dict[str, type[BadRequest]] = {
    BAD_VALUE: QueryBadValue,
    MISSING_VALUE: QueryMissingValue,
    DUPLICATE_KEY: QueryDuplicateKey,
}


def _bad_request(exc: CandidateQueryError) -> BadRequest:
    return _ERRORS.get(exc.code, BadRequest)(exc.message)


@versioned((1, 10))
async def list_allocation_candidates(req: PlacementRequest) -> Response:
    """A JSON object with the allocation requests and the summaries of their providers."""
    version = (req.version[0], req.version[1])
    try:
        request = parse_query(req.http.query_params.multi_items(), version)
    except CandidateQueryError as exc:
        raise _bad_request(exc) from None
    options = Options(
        randomize=req.options.randomize_allocation_candidates,
        max_candidates=req.options.max_allocation_candidates,
        all_classes=version >= (1, 27),
        with_traits=version >= (1, 17),
    )
    try:
        async with req.db.connection(write=False) as conn, conn.begin():
            result = await find_candidates(conn, request, options)
    except CandidateQueryError as exc:
        raise _bad_request(exc) from None
    response = Response(render_json(result, version), media_type=JSON_MEDIA_TYPE)
    if version >= (1, 15):
        add_cache_headers(response, None)
    return response
