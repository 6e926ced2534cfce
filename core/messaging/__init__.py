"""Messaging: the transactional outbox, its relay and the e-mail it sends."""
