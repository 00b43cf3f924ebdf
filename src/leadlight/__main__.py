"""`python -m leadlight`: the same as the `leadlight` command."""

from leadlight.cli.app import main

main()
