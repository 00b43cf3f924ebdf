"""Judging definitions against who actually bought: label times, metrics, leakage checks, the backtest."""
