"""One module per Placement noun; each exposes the route handlers of that noun.

Handler convention (the route table in :mod:`novalite.builtin.placement.handler`)::

    @versioned((1, 10))                      # novalite.api_common.microversion
    async def list_things(req: PlacementRequest) -> Response: ...

``req`` (:class:`novalite.builtin.placement.util.PlacementRequest`) carries
``http`` (the Starlette request), ``version``, ``db``, ``options``; raise the
errors of :mod:`novalite.builtin.placement.errors` (status + placement code);
build bodies with :func:`novalite.builtin.placement.util.json_response`.
"""
