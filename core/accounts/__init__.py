"""Accounts: users, sessions, two factors, tokens, single sign-on and who may do what."""
