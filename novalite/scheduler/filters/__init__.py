"""Host filters: one module per filter, each a :class:`~novalite.scheduler.framework.Filter`."""
