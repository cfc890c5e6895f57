"""`python -m engine ...`: the command line (`engine.cli.main`), every capability of the app scriptable."""

import sys

from engine.cli.main import main

sys.exit(main())
