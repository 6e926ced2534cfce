"""What every domain's services share: the context they run in, their errors, shared checks and date rules."""
