"""The staff pages of accounts: signing in, the second factor, single sign-on, members."""
