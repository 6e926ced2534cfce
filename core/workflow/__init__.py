"""The lifecycle of a case as services, one module per step, shared by the web app, API and workers."""
