"""Read ``leadlight.yml``: YAML with line numbers, ``${ENV}`` expansion, strict validation.

Every error names the file, the line and the key, and says what is allowed.
Values that came from the environment are treated as secrets: an error about
them never repeats the value.
"""

from __future__ import annotations

import os
import re
import types
import typing
from pathlib import Path
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from leadlight.config import limits
from leadlight.config.project import ProjectConfig
from leadlight.config.scoring import FLAGS, SCORING_COLUMNS
from leadlight.errors import ConfigError, keep_secret

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
Loc = tuple[str | int, ...]


def load_config(source: Path | str | Any) -> ProjectConfig:
    """``leadlight.yml`` as a validated :class:`ProjectConfig`.

    ``source``: the file's path, or anything with a ``config_path`` (a ``storage.Project``): config sits
    below storage, so it takes a path rather than importing the project type.
    ``LEADLIGHT_ENGINE`` in the environment overrides ``engine:``.
    """
    path = Path(source) if isinstance(source, (str, os.PathLike)) else Path(source.config_path)
    config = load_config_file(path)
    engine = os.environ.get("LEADLIGHT_ENGINE", "").strip().lower()
    if engine:
        if engine not in ("duckdb", "spark"):
            raise ConfigError(
                f"LEADLIGHT_ENGINE={engine!r} is not an engine", hint="set it to duckdb or spark, or unset it"
            )
        config = config.model_copy(update={"engine": engine})
    return config


def load_config_file(path: Path) -> ProjectConfig:
    try:
        size = path.stat().st_size
        if size > limits.MAX_BYTES:  # checked before reading: a 10 MB line would take minutes to parse
            raise limits.too_big(str(path), size)
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist", hint="create one with `leadlight init`") from None
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset {err.start})",
                          hint="save leadlight.yml as UTF-8 (most editors: Save with Encoding > UTF-8)") from None
    return parse_config(text, str(path))


def parse_config(text: str, filename: str = "leadlight.yml") -> ProjectConfig:
    """``text`` as a validated config. The same text (with the same values of the environment variables it
    names) parsed before is not parsed again: a run loop re-reads an unchanged file every pass. Each caller gets
    its own copy."""
    text = text.removeprefix("\ufeff")
    key = (filename, text, tuple((name, os.environ.get(name)) for name, _ in _ENV.findall(text)))
    if key not in _PARSED:
        limits.check_size(text, filename)  # before anything expensive (values, nesting, aliases: as it is read)
        try:
            config = _parse(text, filename)
        except RecursionError:  # a safety net: limits.watch refuses deep nesting first
            raise limits.too_deep(filename, None) from None
        if len(_PARSED) >= 16:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = config
    return _PARSED[key].model_copy(deep=True)


_PARSED: dict[tuple, ProjectConfig] = {}


def _parse(text: str, filename: str) -> ProjectConfig:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    limits.watch(yaml, filename)
    try:
        tree = yaml.load(text)
    except DuplicateKeyError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else "?"
        key = re.search(r'duplicate key "(.*?)"', err.problem or "")
        raise ConfigError(
            f"{filename}:{line}: key {key.group(1) if key else ''!r} appears twice",
            hint="each key may appear once in a mapping; remove or merge the repeated one",
        ) from None
    except MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else "?"
        context = f" ({err.context} at line {err.context_mark.line + 1})" if err.context and err.context_mark else ""
        raise ConfigError(
            f"{filename}:{line}: not valid YAML: {err.problem}{context}", hint="check indentation and quoting"
        ) from None
    if tree is None:
        tree = CommentedMap()
    if not isinstance(tree, CommentedMap):
        raise ConfigError(f"{filename}:1: the file must be a mapping of keys (engine:, signals:, scoring: ...)")
    secret_locs: set[Loc] = set()
    plain = _expand(tree, (), filename, secret_locs, tree, limits.Budget(filename))
    limits.check_counts(plain, filename)
    try:
        config = ProjectConfig.model_validate(plain)
    except ValidationError as err:
        raise ConfigError(_describe(err, tree, filename, secret_locs), hint=_hint(err)) from None
    _check_signal_refs(config, tree, filename)
    return config


def _check_signal_refs(config: ProjectConfig, tree: CommentedMap, filename: str) -> None:
    """Every signal a scoring rule names is declared under signals: (or is a column scoring builds)."""
    declared = [s.name for s in config.signals]
    user_level = {s.name for s in config.signals if s.level == "user"}
    problems = []
    for where, name in config.scoring.signal_refs():
        per_person = where.startswith(("scoring.pql", "scoring.people"))  # may read account signals too
        if name in FLAGS or name in SCORING_COLUMNS or (name in declared and (per_person or name not in user_level)):
            continue
        loc = tuple(int(part[1:-1]) if part.startswith("[") else part for part in re.findall(r"\[\d+\]|\w+", where))
        if where != "scoring.people.activity":
            loc = (*loc, "signal")
        found, line = _locate(tree, loc)
        place = f"{filename}:{line}" if line else filename
        problem = (f"{name!r} is a user-level signal; account rules need level: account" if name in declared
                   else f"no signal {name!r} is declared under signals:")
        problems.append(f"  {place}: {_dotted(found)}: {problem}")
    decay = config.scoring.pql.decay
    kinds = {s.name: s.kind for s in config.signals}
    if decay is not None and kinds.get(decay.signal, "recency") != "recency":
        # Decay reads whole days since last activity: any other kind (a count...) would fade points by it.
        found, line = _locate(tree, ("scoring", "pql", "decay", "signal"))
        place = f"{filename}:{line}" if line else filename
        problems.append(f"  {place}: {_dotted(found)}: {decay.signal!r} is a {kinds[decay.signal]} signal; "
                        "decay needs a recency signal (days since last activity)")
    if problems:
        raise ConfigError(
            f"{filename} is not valid ({len(problems)} problem{'s' if len(problems) > 1 else ''}):\n" + "\n".join(problems),
            hint="declare the signal under signals:, or fix its name; declared: " + (", ".join(declared) or "none")
            + ("; decay: name a recency signal, e.g. {name: last_seen, kind: recency, level: user}"
               if any("decay needs" in p for p in problems) else ""),
        )


def _expand(node: Any, loc: Loc, filename: str, secret_locs: set[Loc], root: CommentedMap,
            budget: "limits.Budget") -> Any:
    """Plain Python values with ``${VAR}`` / ``${VAR:-default}`` replaced from the environment.

    YAML aliases are copied here, so ``budget`` stops a file whose aliases multiply it ("billion laughs")."""
    budget.spend(loc)
    if isinstance(node, CommentedMap):
        return {k: _expand(v, (*loc, k), filename, secret_locs, root, budget) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [_expand(v, (*loc, i), filename, secret_locs, root, budget) for i, v in enumerate(node)]
    if isinstance(node, str) and "${" in node:
        secret_locs.add(loc)

        def substitute(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            value = os.environ.get(name)
            if value is None:
                if default is None:
                    raise ConfigError(
                        f"{filename}:{_locate(root, loc)[1]}: {_dotted(loc)}: environment variable {name} is not set",
                        hint=f"export {name}=..., or give a default: ${{{name}:-value}}",
                    )
                return default
            keep_secret(value)  # from here on, errors and warnings show *** instead
            return value

        return _ENV.sub(substitute, node)
    return node


def _describe(err: ValidationError, tree: CommentedMap, filename: str, secret_locs: set[Loc]) -> str:
    lines = [f"{filename} is not valid ({err.error_count()} problem{'s' if err.error_count() > 1 else ''}):"]
    for e in err.errors():
        loc = tuple(e["loc"])
        if e["type"] in ("union_tag_invalid", "union_tag_not_found"):  # point at the kind: key itself
            loc = (*loc, e["ctx"]["discriminator"].strip("'"))
        found, line = _locate(tree, loc)
        where = f"{filename}:{line}" if line else filename
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            msg = f"unknown key {loc[-1]!r}" + (f"; allowed here: {', '.join(allowed)}" if allowed else "")
        elif e["type"] == "union_tag_invalid":
            msg = f"{e['ctx']['tag']!r} is not a {loc[-1]}; allowed: {e['ctx']['expected_tags'].replace(chr(39), '')}"
        elif e["type"] == "union_tag_not_found":
            msg = f"missing key {loc[-1]!r}; allowed: {', '.join(_tags(loc))}"
        elif found not in secret_locs and not isinstance(e.get("input"), (dict, list)) and "input" in e:
            msg = f"{msg} (got {e['input']!r})"
        lines.append(f"  {where}: {_dotted(found) or '(top level)'}: {msg}")
    return "\n".join(lines)


def _hint(err: ValidationError) -> str:
    return "fix the keys named above; `leadlight schema` prints every key that is allowed, with its meaning"


def _locate(tree: Any, loc: Loc) -> tuple[Loc, int | None]:
    """The YAML path that exists for a pydantic error location, and its 1-based line.

    Pydantic adds union tags to locations (``signals.0.count.window``): parts that
    are not keys in the YAML are skipped.
    """
    node, found, line = tree, (), None
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node, found = node[part], (*found, part)
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line = node.lc.item(part)[0] + 1
            node, found = node[part], (*found, part)
        elif isinstance(node, CommentedMap) and isinstance(part, str) and found and part not in node:
            if part == loc[-1]:  # a missing key: point at its parent mapping
                found = (*found, part)
            continue
    return found, line


def _allowed_keys(loc: Loc) -> list[str]:
    """The keys a mapping at ``loc`` may hold, found by walking the config models."""
    model: Any = ProjectConfig
    for part in loc:
        model = _step(model, part)
        if model is None:
            return []
    model = _unwrap_single(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _tags(loc: Loc) -> list[str]:
    """The values a discriminator key (``loc[-1]``, e.g. a signal's kind) may take."""
    model: Any = ProjectConfig
    for part in loc[:-1]:
        model = _step(model, part)
    tags: list[str] = []
    for member in _members(model):
        field = getattr(member, "model_fields", {}).get(loc[-1])
        tags.extend(typing.get_args(field.annotation) if field is not None else ())
    return tags


def _step(model: Any, part: str | int) -> Any:
    model = _unwrap_single(model)
    if isinstance(part, int):
        args = typing.get_args(model)
        return args[0] if args else None
    if isinstance(model, type) and issubclass(model, BaseModel):
        field = model.model_fields.get(part)
        if field is not None:
            return field.annotation
        return None
    for member in _members(model):  # a union tag like 'count' picks the member with kind: count
        kind = getattr(member, "model_fields", {}).get("kind")
        if kind is not None and part in typing.get_args(kind.annotation):
            return member
    return None


def _unwrap_single(model: Any) -> Any:
    while True:
        origin = typing.get_origin(model)
        if origin is typing.Annotated:
            model = typing.get_args(model)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [m for m in typing.get_args(model) if m is not type(None)]
            if len(members) != 1:
                return model
            model = members[0]
        else:
            return model


def _members(model: Any) -> Iterator[Any]:
    model = _unwrap_single(model)
    if typing.get_origin(model) in (typing.Union, types.UnionType):
        yield from (_unwrap_single(m) for m in typing.get_args(model))


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
