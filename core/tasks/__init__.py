"""Work by the clock: the Celery app and its tasks."""
