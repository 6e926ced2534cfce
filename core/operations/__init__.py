"""What ops watch: the clock's heartbeats, when each job last ran, the health endpoint and /metrics."""
