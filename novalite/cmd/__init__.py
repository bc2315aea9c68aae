"""Entry points: the only place that wires concrete backends together."""
