"""`python -m playground`: the command line (playground/cli/)."""

import sys

from playground.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
