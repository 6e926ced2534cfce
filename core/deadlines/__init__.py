"""Deadlines: the statutory and local rules, the facts that meet them, and the reminder sweep."""
