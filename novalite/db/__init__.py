"""Databases: async engines, the API and cell schemas, migrations and repositories.

- :mod:`.engine`: :class:`~.engine.Database`, one per URL (sessions, transactions, retries).
- :mod:`.options`: :class:`~.options.DatabaseOptions` (oslo.db ``[database]`` names).
- :mod:`.urls`: nova-style URL -> async driver URL; password masking.
- :mod:`.errors`: driver errors -> novalite errors. :mod:`.retry`: deadlock retries.
- :mod:`.models`: the API and cell schemas. :mod:`.migrate`: Alembic, run from Python.
- :mod:`.registry`: one ``Database`` per cell URL, shared.
- :mod:`.repositories`: one repository per noun.
"""
