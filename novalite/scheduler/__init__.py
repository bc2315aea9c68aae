"""The scheduler: placement candidates, filters, weighers, claims."""
