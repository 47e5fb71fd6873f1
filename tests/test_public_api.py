"""The package's public names are exactly those in ``__all__``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from importlib.metadata import version

import flexvm_async


def _public_names_of_private_modules() -> set[str]:
    """Collect the names each private module lists in its own __all__."""
    names: set[str] = set()
    for info in pkgutil.iter_modules(flexvm_async.__path__):
        if not info.name.startswith("_"):
            continue
        module = importlib.import_module(f"flexvm_async.{info.name}")
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isclass(obj) and obj.__module__ == module.__name__:
                names.add(name)
    return names


def test_all_matches_what_is_importable() -> None:
    """Every name in __all__ exists, and nothing public is left out."""
    exported = set(flexvm_async.__all__)

    missing = [n for n in exported if not hasattr(flexvm_async, n)]
    assert missing == []
    public_classes = {
        n
        for n, v in vars(flexvm_async).items()
        if inspect.isclass(v) and not n.startswith("_")
    }
    assert public_classes <= exported


def test_public_classes_of_private_modules_are_exported() -> None:
    """A public class defined in a private module is re-exported."""
    internal = {"Response", "Transport", "Resource", "PageSizes"}
    internal |= {"Clouds", "Nodes", "VMs", "Images", "InstanceTypes"}
    internal |= {"CapacityAPI", "Reports", "ShapeError"}
    internal |= {"Waiters", "Poller", "Gone", "Spent", "Watch", "Ended"}
    internal |= {"NotYet", "CapacityHint", "CloudRun", "RetryPlan"}
    internal |= {"RetryRunner", "ManyWaits"}

    expected = _public_names_of_private_modules() - internal

    assert expected <= set(flexvm_async.__all__)


def test_version_comes_from_metadata() -> None:
    """__version__ is the installed distribution's version."""
    assert flexvm_async.__version__ == version("flexvm-async")
