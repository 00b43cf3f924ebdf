"""One task per command: the only layer that orchestrates the domain packages.

The CLI and the web app call these functions and print or serve what they return.
"""
