"""``python -m cspr`` runs the CLI."""

from cspr.cli import main

main()
