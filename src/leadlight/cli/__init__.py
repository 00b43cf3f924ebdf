"""The ``leadlight`` command line: thin Typer commands that call a task and print its result."""
