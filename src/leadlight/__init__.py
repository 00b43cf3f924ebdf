"""Leadlight: product usage in, an explained, prioritised list of accounts and people for sales out."""


def __getattr__(name: str) -> str:
    """``leadlight.__version__``, read from the installed package's metadata on first use (not at every start)."""
    if name != "__version__":
        raise AttributeError(name)
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("leadlight")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
