"""Label construction: which account, at which snapshot, went on to convert.

Training inputs, so they sit below ``scoring`` (which learns from them) and
``evaluation`` (which judges definitions against them). Everything here reads
only ``storage`` and ``signals`` (for the ``asof`` boundary and raw events).
"""
