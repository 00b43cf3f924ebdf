"""Trained models on disk: one folder per model under ``.leadlight/models/``, and which one is active.

::

    .leadlight/models/
      active.json                       {"model_id": "...", "activated_at": "..."}  (model.target: sales)
      active-self_serve.json            the same per other target (one model per target)
      m20261101T101530-3f9a1c/
        manifest.json                   data range, snapshots, features, metrics, definition hash, versions
        model.pkl                       the fitted models (pickle: load only models you trained yourself)

A model folder is written completely before ``active.json`` points at it, so
``score`` never sees half a model.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
from datetime import datetime
from pathlib import Path
from typing import Any

from leadlight import __version__
from leadlight.errors import NotReady
from leadlight.storage.project import Project
from leadlight.timeutil import iso, utcnow

MANIFEST = "manifest.json"
BUNDLE = "model.pkl"
ACTIVE = "active.json"


def library_versions() -> dict[str, str]:
    import lightgbm
    import numpy
    import pandas
    import sklearn

    return {"leadlight": __version__, "python": platform.python_version(), "lightgbm": lightgbm.__version__,
            "scikit-learn": sklearn.__version__, "pandas": pandas.__version__, "numpy": numpy.__version__}


def new_model_id(trained_at: datetime, manifest: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True, default=str).encode()).hexdigest()[:6]
    return f"m{trained_at:%Y%m%dT%H%M%S}-{digest}"


def active_file(target: str = "sales") -> str:
    """Which file names the active model of ``target``: ``active.json`` for sales, ``active-<target>.json`` else."""
    return ACTIVE if target == "sales" else f"active-{target}.json"


def save_model(project: Project, bundle: Any, manifest: dict[str, Any], *, activate: bool = True,
               target: str = "sales") -> str:
    """Write the model folder (manifest + bundle), then point ``active.json`` at it."""
    trained_at = utcnow()
    model_id = new_model_id(trained_at, manifest)
    base, n = model_id, 1
    while (project.models_dir / model_id).exists():  # the same data retrained within one second
        n += 1
        model_id = f"{base}-{n}"
    folder = project.models_dir / model_id
    folder.mkdir(parents=True, exist_ok=False)
    manifest = {"model_id": model_id, "trained_at": iso(trained_at), **manifest, "versions": library_versions()}
    with open(folder / BUNDLE, "wb") as fh:
        pickle.dump(bundle, fh, protocol=pickle.HIGHEST_PROTOCOL)
    _write_json(folder / MANIFEST, manifest)
    if activate:
        activate_model(project, model_id, target)
    return model_id


def activate_model(project: Project, model_id: str, target: str = "sales") -> None:
    if not (project.models_dir / model_id / MANIFEST).is_file():
        raise NotReady(f"no model {model_id!r} in {project.models_dir}", hint="list them with `ls .leadlight/models`")
    _write_json(project.models_dir / active_file(target), {"model_id": model_id, "activated_at": iso(utcnow())})


def active_model_id(project: Project, target: str = "sales") -> str | None:
    path = project.models_dir / active_file(target)
    if not path.is_file():
        return None
    model_id = json.loads(path.read_text()).get("model_id")
    return model_id if model_id and (project.models_dir / model_id / BUNDLE).is_file() else None


def read_manifest(project: Project, model_id: str) -> dict[str, Any]:
    return json.loads((project.models_dir / model_id / MANIFEST).read_text())


def load_bundle(project: Project, model_id: str) -> Any:
    with open(project.models_dir / model_id / BUNDLE, "rb") as fh:
        return pickle.load(fh)


def _write_json(path: Path, document: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, indent=2, default=str))
    os.replace(tmp, path)
