"""Marshmallow schemas: the API's contract and the validation of every input, plugins' included."""
