# ruff: noqa - a hostile submission, not the project's code
"""sys.exit() while the module is imported: only this module's exercises may fail."""
import sys

sys.exit(0)
