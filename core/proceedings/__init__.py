"""Parallel proceedings of a case (police, criminal, inquest, family court): dates and restrictions."""
