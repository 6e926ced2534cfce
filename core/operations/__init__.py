"""What ops watch: the clock's heartbeats, when each job last ran, and the health endpoint."""
