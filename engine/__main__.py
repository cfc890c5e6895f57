"""`python -m engine ...`: the command line (`engine.cli.main`), every capability of the app scriptable."""

import sys

from engine.cli.main import main

if __name__ == "__main__":  # imported (by the tests, say), it only re-exports `main`
    sys.exit(main())
