"""Every module imports (catches rot in code the fast tests do not reach)."""

import importlib
import pkgutil

import posttrain


def test_every_module_imports():
    names = [m.name for m in pkgutil.walk_packages(posttrain.__path__, "posttrain.")]
    assert len(names) > 20
    for name in names:
        importlib.import_module(name)
