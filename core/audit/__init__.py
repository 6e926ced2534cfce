"""Audit: the hash-chained events, refusals, what people read, and the trail admins see."""
