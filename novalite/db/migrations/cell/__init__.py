"""Migration environment of the cell schema."""
