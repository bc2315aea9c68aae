"""The allocation-candidates query engine of the built-in placement.

:mod:`.params` parses a query string into a :class:`.request.CandidateRequest`;
:mod:`.engine` answers it (fast path in :mod:`.fastpath`, general path in
:mod:`.general` and :mod:`.combine`); :mod:`.render` shapes the body per microversion.
"""
