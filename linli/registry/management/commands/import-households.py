"""``linli import-households``: the same command as ``import_households``.

Django names commands after their module files; importlib loads a module whose file
name has a dash, so this alias lets the documented spelling work too.
"""

from linli.registry.management.commands.import_households import Command

__all__ = ["Command"]
