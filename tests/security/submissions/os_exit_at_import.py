# ruff: noqa - a hostile submission, not the project's code
"""os._exit() while the module is imported: the process dies; only this module's exercises may fail."""
import os

os._exit(0)
