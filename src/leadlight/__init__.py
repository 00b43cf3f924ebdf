"""Leadlight: product usage in, an explained, prioritised list of accounts and people for sales out."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("leadlight")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
