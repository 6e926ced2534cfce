"""Agency information requests for a rapid review or a local review, and the agencies' returns."""
