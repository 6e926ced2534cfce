"""Partnerships: the tenants, kept in step with their plugins, their demo data, the operator's pages."""
