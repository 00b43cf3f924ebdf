"""Limits that keep a hostile or broken ``leadlight.yml`` from hanging Leadlight.

A real leadlight.yml is a few KB with tens of signals. ``check_size`` refuses a
file too big before it is parsed; while it is loaded, ``watch`` refuses, with the
line, one that has too many values, nests too deep or uses too many aliases, as
each YAML event is read (before anything is built from it); ``Budget`` caps how many values the aliases may expand to; and
``check_counts`` caps signals and rules. YAML tags (``!!python/object``) are
never constructed: the round-trip loader keeps them as plain text.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent

from leadlight.errors import ConfigError

MAX_BYTES = 256 * 1024
MAX_VALUES = 20_000  # YAML events (keys, values, lists): the template has about 600
MAX_DEPTH = 40
MAX_ALIASES = 100
MAX_EXPANDED = 50_000  # values after aliases are copied
MAX_SIGNALS = 1_000
MAX_RULES = 1_000  # per list of rules or conditions
HINT = "leadlight.yml describes signals and scoring: a few KB; remove generated or pasted content"


def too_big(filename: str, size: int) -> ConfigError:
    return ConfigError(f"{filename} is {size / 1024:,.0f} KB; a leadlight.yml may be at most {MAX_BYTES // 1024} KB",
                       hint=HINT)


def too_deep(filename: str, line: int | None) -> ConfigError:
    place = f"{filename}:{line}" if line else filename
    return ConfigError(f"{place}: nested more than {MAX_DEPTH} levels deep", hint=HINT)


def check_size(text: str, filename: str) -> None:
    """Refuse a file too big, before it is parsed."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise too_big(filename, len(text.encode("utf-8", "surrogatepass")))


class Events:
    """Refuses a file too long, too deep or too aliased as its YAML events are read (``watch``): the limits
    hold before the loader builds anything from an event, in the one pass that loads the file."""

    def __init__(self, filename: str) -> None:
        self.filename, self.depth, self.values, self.aliases = filename, 0, 0, 0

    def __call__(self, event: Any) -> Any:
        self.values += 1
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, CollectionStartEvent):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise too_deep(self.filename, line)
        elif isinstance(event, CollectionEndEvent):
            self.depth -= 1
        elif isinstance(event, AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise ConfigError(f"{self.filename}:{line}: more than {MAX_ALIASES} YAML aliases (*name)",
                                  hint="write the repeated parts out, or use fewer anchors and aliases")
        if self.values > MAX_VALUES:
            raise ConfigError(f"{self.filename}:{line}: more than {MAX_VALUES:,} YAML values", hint=HINT)
        return event


def watch(yaml: YAML, filename: str) -> None:
    """Check every event ``yaml`` (a round-trip loader) reads against the limits (``Events``)."""
    parser = yaml.parser
    read, check = parser.get_event, Events(filename)
    parser.get_event = lambda: check(read())


class Budget:
    """How many values the loaded tree may expand to once aliases are copied."""

    def __init__(self, filename: str, limit: int = MAX_EXPANDED) -> None:
        self.filename, self.left = filename, limit

    def spend(self, loc: tuple) -> None:
        self.left -= 1
        if self.left < 0:
            where = ".".join(str(p) for p in loc[:4])
            raise ConfigError(f"{self.filename}: YAML aliases expand it to more than {MAX_EXPANDED:,} values "
                              f"(at {where or 'the top'})",
                              hint="anchors (&name) and aliases (*name) repeat whole parts: write them out, or "
                              "remove the ones that refer to each other")


def check_counts(plain: dict[str, Any], filename: str) -> None:
    """At most ``MAX_SIGNALS`` signals and ``MAX_RULES`` entries in any scoring list."""
    signals = plain.get("signals")
    if isinstance(signals, list) and len(signals) > MAX_SIGNALS:
        raise ConfigError(f"{filename}: signals: {len(signals):,} signals; at most {MAX_SIGNALS:,} are allowed",
                          hint="keep the signals your rules and models use")
    scoring = plain.get("scoring")
    for section, body in (scoring.items() if isinstance(scoring, dict) else ()):
        for key, value in (body.items() if isinstance(body, dict) else ()):
            if isinstance(value, list) and len(value) > MAX_RULES:
                raise ConfigError(f"{filename}: scoring.{section}.{key}: {len(value):,} entries; at most "
                                  f"{MAX_RULES:,} are allowed", hint="keep the rules that matter")
