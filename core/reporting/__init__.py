"""Reporting: the dashboard, the case tracker and its exports."""
