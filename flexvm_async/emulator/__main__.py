"""Run the emulator: ``python -m flexvm_async.emulator --help``."""

import sys

from flexvm_async.emulator._cli import main

sys.exit(main())
