"""``python -m timing`` runs the command-line interface."""

from timing.cli import main

if __name__ == "__main__":
    main()
