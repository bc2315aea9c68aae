"""Built-in companions (identity, placement, image, network); nova parts reach them over HTTP."""
