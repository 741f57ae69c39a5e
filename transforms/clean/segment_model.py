"""The statistical segment classifier: a score per segment that it is boilerplate (caption,
credit, byline, timestamp, chrome, related links, comments, prompts…) rather than story text.

A model is one versioned JSON data file (never a pickle):

    {"format": "wirestrip-segment-model/1", "version": "...", "features_version": "seg1",
     "feature_names": [...], "threshold": 0.98, "trained_on": "...", "lightgbm": "<LightGBM text model>",
     "labels": {"names": ["supplemental", "comment", "chrome"], "lightgbm": "<multiclass model>"}}

`labels` (optional) names what a removed segment is: a second, multiclass booster over the same
features, asked only about the segments the first one removes; its answer is the removal's rule id
(`model:comment`). A file without it labels every removal `model:boilerplate`.

The shipped one is `model_data/segments.json`, fitted by `make fit-segments` (bench/eval/fit_segments.py);
docs/segment_model.md is its model card. Only segments scoring at least `threshold` (chosen for
precision of removals) are removed; the rest stay, uncertain or not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
from wirestrip.transforms.clean.segment_features import FEATURES_VERSION, NAMES, page_features

MODEL_FORMAT = "wirestrip-segment-model/1"
SHIPPED = "segments.json"  # in wirestrip.transforms.clean.model_data


def shipped_model_text() -> str:
    """The shipped model file's content (package data)."""
    return resources.files("wirestrip.transforms.clean.model_data").joinpath(SHIPPED).read_text("utf-8")


class ModelError(ValueError):
    """A model file that cannot be used: unreadable, another format, or fitted on other features."""


UNLABELLED = "boilerplate"  # the label of a removal by a model file without a labeller
_LABEL_NAME = re.compile(r"[a-z][a-z_]{0,31}")  # a label goes into a rule id: short, lower-case, no separators


@dataclass
class SegmentModel:
    """A loaded model; `scores`, `page_scores` and `labels_of` are pure (LightGBM's boosters on one
    thread)."""

    version: str
    threshold: float
    booster: Any = field(repr=False)
    labeller: Any = field(default=None, repr=False)
    label_names: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, text: str, source: str = "<model>") -> SegmentModel:
        """Check and load a model file's content; ModelError says what does not fit."""
        try:
            meta = json.loads(text)
        except ValueError as exc:
            raise ModelError(f"{source}: not a JSON model file ({exc})") from None
        if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
            raise ModelError(f"{source}: not a {MODEL_FORMAT} file")
        if meta.get("features_version") != FEATURES_VERSION or meta.get("feature_names") != NAMES:
            raise ModelError(
                f"{source}: fitted on features {meta.get('features_version')!r}, this wirestrip computes {FEATURES_VERSION!r}; "
                "refit it (make fit-segments)"
            )
        threshold = meta.get("threshold")
        if not isinstance(threshold, int | float) or not 0.0 < threshold <= 1.0:
            raise ModelError(f"{source}: threshold must be a number in (0, 1], not {threshold!r}")
        import lightgbm  # imported here: only runs that classify segments pay for it

        booster = lightgbm.Booster(model_str=meta["lightgbm"])  # one thread at predict time (see page_scores)
        labeller, names = None, ()
        if meta.get("labels") is not None:
            labels = meta["labels"]
            names = tuple(labels.get("names") or ()) if isinstance(labels, dict) else ()
            if len(names) < 2 or len(set(names)) != len(names) or not all(isinstance(n, str) and _LABEL_NAME.fullmatch(n) for n in names):
                raise ModelError(f"{source}: labels.names must be 2 or more distinct lower-case names, not {names!r}")
            if not isinstance(labels.get("lightgbm"), str) or not labels["lightgbm"]:
                raise ModelError(f"{source}: labels.lightgbm must hold the labeller's LightGBM text model")
            labeller = lightgbm.Booster(model_str=labels["lightgbm"])
            if labeller.num_model_per_iteration() != len(names):
                raise ModelError(
                    f"{source}: the labeller tells {labeller.num_model_per_iteration()} classes, labels.names has {len(names)}"
                )
        return cls(str(meta.get("version") or "unversioned"), float(threshold), booster, labeller, names)

    @classmethod
    def load(cls, path: str | None = None) -> SegmentModel:
        """The model at `path` (a local file), or the shipped one."""
        if path is None:
            return cls.from_json(shipped_model_text(), SHIPPED)
        try:
            with open(path, encoding="utf-8") as f:
                return cls.from_json(f.read(), path)
        except OSError as exc:
            raise ModelError(f"cannot read segment model {path}: {exc}") from None

    def scores(self, segments: list[str]) -> np.ndarray:
        """Each segment's boilerplate score in [0, 1]."""
        return self.page_scores(segments)[0]

    def page_scores(self, segments: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each segment's boilerplate score in [0, 1] (features need the whole page), and the page's
        feature matrix (for `labels_of`)."""
        features = page_features(segments)
        if not len(features):
            return np.zeros(0), features
        return self.booster.predict(features, num_threads=1), features

    def labels_of(self, features: np.ndarray) -> list[str]:
        """What each given segment (a row of features) is, by the labeller's most likely class;
        UNLABELLED for every row when the file has no labeller."""
        if self.labeller is None or not len(features):
            return [UNLABELLED] * len(features)
        best = self.labeller.predict(features, num_threads=1).reshape(len(features), -1).argmax(axis=1)
        return [self.label_names[k] for k in best.tolist()]
