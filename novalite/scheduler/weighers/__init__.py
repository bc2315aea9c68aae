"""Host weighers: one module per weigher, each a :class:`~novalite.scheduler.framework.Weigher`."""
