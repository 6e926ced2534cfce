"""Publication: the one guarded publish, anonymisation, briefings and the public pages."""
