"""The ``flexvm`` command: clouds, nodes, VMs and fleet scaling.

Run ``flexvm --help``. The key comes from ``FLEXVM_API_KEY`` or
``--api-key-file``; ``flexvm emulator`` serves a local API to try it on,
and ``flexvm demo`` scales a fleet on one in seconds.
"""

from flexvm_async.cli._main import main

__all__ = ["main"]
