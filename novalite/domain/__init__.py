"""The pure domain model: typed, versioned objects and the instance state machine. No I/O."""
