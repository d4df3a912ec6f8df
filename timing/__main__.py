"""``python -m timing`` runs the command-line interface."""

from timing.cli import main

main()
