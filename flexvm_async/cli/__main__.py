"""Run the command line: ``python -m flexvm_async.cli --help``."""

import sys

from flexvm_async.cli import main

sys.exit(main())
