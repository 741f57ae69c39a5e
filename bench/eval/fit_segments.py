"""`make fit-segments`: fit the segment classifier on the real-pages corpora and write its model file.

Inputs: ../shared/corpora/real-pages/{l3s-gn1,dragnet}.segments.jsonl.gz (both corpora pooled).
A segment is positive (should be removed) when its label is not `body` or `headline`. Features:
wirestrip.transforms.clean.segment_features (the product's own extractor). Model: LightGBM, the
prototype's settings, deterministic (one thread, fixed seed, row-wise histograms). Threshold: the
lowest score whose removals reach precision >= 0.99 on out-of-fold scores from a site-grouped
5-fold split (bench/eval/real_pages.py), pooled over both corpora. The final model is fitted on
every page and written as a `wirestrip-segment-model/1` JSON file holding only numbers and feature
names (no corpus text), with its labeller: a multiclass booster over the same features that names
what a removed segment is (LABELS, fitted on L3S-GN1's kinds of boilerplate; its held-out confusion
matrix is printed). Running it twice on the same day writes the same bytes (the version's date
is the fit day in UTC; --date or SOURCE_DATE_EPOCH fix it).

python -m bench.eval.fit_segments [--out PATH] [--date YYYY-MM-DD] [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from wirestrip.transforms.clean.segment_features import FEATURES_VERSION, NAMES, pages_features
from wirestrip.transforms.clean.segment_model import MODEL_FORMAT

from bench.eval import real_pages as rp

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "transforms" / "clean" / "model_data" / "segments.json"
N_ROUNDS = 150
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.1,
    "num_leaves": 31,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 1,
    "seed": 7,
    "deterministic": True,
    "force_row_wise": True,
    "verbose": -1,
}
TARGET_PRECISION = 0.99
# The labeller: what a removed segment is. Only L3S-GN1 labels its boilerplate by kind; its "related"
# links are merged into chrome (on shallow features the two are one class: held-out recall 0.003 as a
# class of their own). Dragnet's comments are left out: their threads are `body` on its no-marker
# pages, and adding them dropped held-out comment precision on L3S from 0.79 to 0.34.
LABELS = ("supplemental", "comment", "chrome")
LABEL_OF = {("l3s-gn1", "supplemental"): 0, ("l3s-gn1", "comments"): 1, ("l3s-gn1", "related"): 2, ("l3s-gn1", "boilerplate"): 2}
LABEL_PARAMS = {**PARAMS, "objective": "multiclass", "num_class": len(LABELS)}
# 60 rounds: held-out recall and precision within 0.02 of 150 rounds' (30: supplemental recall -0.07), at
# 40% of the predict time; the labeller runs on every page the model cleans.
LABEL_ROUNDS = 60
FOLDS = 5
LABELS_TRAINED_ON = (
    "L3S-GN1 segments labelled supplemental (-> supplemental), comments (-> comment), related and boilerplate "
    f"(-> chrome); multiclass LightGBM, {LABEL_ROUNDS} rounds, the scorer's features and other settings."
)
THRESHOLD_RULE = (
    f"Threshold: lowest score whose removals reach precision >= {TARGET_PRECISION} on site-grouped out-of-fold scores "
    f"({FOLDS} folds), both corpora pooled."
)


def features(pages: Sequence[dict]) -> list[np.ndarray]:
    """Each page's feature matrix (the product's extractor, whole page at once)."""
    return pages_features([rp.texts(p) for p in pages])


def train(feats: Sequence[np.ndarray], ys: Sequence[np.ndarray], rounds: int = N_ROUNDS) -> str:
    """A LightGBM booster fitted on the stacked pages, as its text model string."""
    import lightgbm

    data = lightgbm.Dataset(np.concatenate(feats), np.concatenate(ys), feature_name=list(NAMES), free_raw_data=True)
    booster = lightgbm.train(PARAMS, data, num_boost_round=rounds)
    return booster.model_to_string(num_iteration=-1)


def label_rows(pages: Sequence[dict], feats: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The labeller's rows: features and class index of every segment with a kind (LABEL_OF)."""
    xs, ys = [np.zeros((0, len(NAMES)), np.float32)], [np.zeros(0, np.int32)]
    for p, f in zip(pages, feats, strict=True):
        y = np.array([LABEL_OF.get((p["corpus"], lab), -1) for lab in rp.labels(p)], dtype=np.int32)
        xs.append(f[y >= 0])
        ys.append(y[y >= 0])
    return np.concatenate(xs), np.concatenate(ys)


def train_labeller(pages: Sequence[dict], feats: Sequence[np.ndarray], rounds: int = LABEL_ROUNDS) -> str | None:
    """A multiclass booster telling LABELS apart, as its text model string; None without labelled rows."""
    import lightgbm

    x, y = label_rows(pages, feats)
    if len(np.unique(y)) < len(LABELS):
        return None
    booster = lightgbm.train(LABEL_PARAMS, lightgbm.Dataset(x, y, feature_name=list(NAMES)), num_boost_round=rounds)
    return booster.model_to_string(num_iteration=-1)


def oof_labels(pages: Sequence[dict], feats: Sequence[np.ndarray], k: int = FOLDS, rounds: int = LABEL_ROUNDS) -> np.ndarray:
    """Site-grouped out-of-fold confusion matrix of the labeller (rows: true LABELS, columns: predicted)."""
    import lightgbm

    folds = rp.page_folds(pages, k)
    cm = np.zeros((len(LABELS), len(LABELS)), dtype=np.int64)
    for f in range(k):
        tr = [i for i, g in enumerate(folds) if g != f]
        te = [i for i, g in enumerate(folds) if g == f]
        model = train_labeller([pages[i] for i in tr], [feats[i] for i in tr], rounds)
        x, y = label_rows([pages[i] for i in te], [feats[i] for i in te])
        if model is None or not len(y):
            continue
        pred = lightgbm.Booster(model_str=model).predict(x, num_threads=1).reshape(len(y), -1).argmax(axis=1)
        np.add.at(cm, (y, pred), 1)
    return cm


def predict(model_string: str, feats: Sequence[np.ndarray]) -> np.ndarray:
    """Scores of the stacked pages' segments."""
    import lightgbm

    booster = lightgbm.Booster(model_str=model_string)
    if not feats:
        return np.zeros(0)
    return booster.predict(np.concatenate(feats), num_threads=1)


def trained_on(pages: Sequence[dict], threshold_rule: str) -> str:
    c = rp.counts(pages)
    corpora = "; ".join(f"{name} {v['pages']} pages, {v['segments']} segments, {v['groups']} site groups" for name, v in c.items())
    return (
        f"real-pages (shared split): {corpora}. Positive: label not body/headline. {threshold_rule} "
        f"Split rule: {rp.SPLIT_RULE}. LightGBM {N_ROUNDS} rounds, seed {PARAMS['seed']}."
    )


def fit(
    pages: Sequence[dict],
    feats: Sequence[np.ndarray] | None = None,
    threshold: float | None = None,
    date: str | None = None,
    rounds: int = N_ROUNDS,
    threshold_rule: str | None = None,
    log=None,
) -> dict:
    """The model file's dict, fitted on `pages`. Threshold: the given one, else chosen on the pages'
    own site-grouped out-of-fold scores (FOLDS extra fits). `feats` reuses precomputed features."""
    feats = list(feats) if feats is not None else features(pages)
    ys = [rp.positive(p) for p in pages]
    if threshold is None:
        scores, _ = oof_scores(pages, feats, rounds=rounds, log=log)
        threshold = rp.threshold_for_precision(scores, np.concatenate(ys), TARGET_PRECISION)
        threshold_rule = THRESHOLD_RULE
    rule = threshold_rule or "Threshold given by the caller."
    model = train(feats, ys, rounds)
    out = {
        "format": MODEL_FORMAT,
        "version": f"{FEATURES_VERSION}-{date or fit_date()}-{rp.data_hash(pages)}",
        "features_version": FEATURES_VERSION,
        "feature_names": list(NAMES),
        "threshold": float(threshold),
        "trained_on": trained_on(pages, rule),
        "lightgbm": model,
    }
    labeller = train_labeller(pages, feats)
    if labeller is not None:
        out["labels"] = {"names": list(LABELS), "trained_on": LABELS_TRAINED_ON, "lightgbm": labeller}
    return out


def oof_scores(pages: Sequence[dict], feats: Sequence[np.ndarray], k: int = FOLDS, rounds: int = N_ROUNDS, log=None):
    """Site-grouped out-of-fold scores (stacked in page order) and each page's fold."""
    folds = rp.page_folds(pages, k)
    ys = [rp.positive(p) for p in pages]
    sizes = np.array([len(f) for f in feats])
    starts = np.concatenate([[0], np.cumsum(sizes)])
    out = np.full(int(sizes.sum()), np.nan)
    for f in range(k):
        t0 = time.time()
        tr = [i for i, g in enumerate(folds) if g != f]
        te = [i for i, g in enumerate(folds) if g == f]
        model = train([feats[i] for i in tr], [ys[i] for i in tr], rounds)
        s = predict(model, [feats[i] for i in te])
        pos = 0
        for i in te:
            out[starts[i] : starts[i + 1]] = s[pos : pos + sizes[i]]
            pos += sizes[i]
        if log:
            log(f"  fold {f}: trained on {len(tr)} pages, scored {len(te)} pages ({time.time() - t0:.0f}s)")
    return out, folds


def fit_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return now.strftime("%Y%m%d")


def write_model(model: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(model, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def _fmt(v: float) -> str:
    return "–" if v != v else f"{v:.3f}"


def print_figures(title: str, scores: np.ndarray, pages: Sequence[dict], thresholds: Sequence[float]) -> None:
    lab = np.concatenate([np.array(rp.labels(p), dtype=object) for p in pages])
    corpus = np.concatenate([np.full(len(p["segments"]), p["corpus"], dtype=object) for p in pages])
    print(title)
    head = ["corpus", "t", "P", "R", "body lost", "headline rm", *[f"R {n}" for n in rp.POSITIVE_LABELS], "removed"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name in (*rp.CORPORA, "both"):
        m = np.ones(len(lab), bool) if name == "both" else corpus == name
        for t in thresholds:
            d = rp.metrics(scores[m] >= t, lab[m])
            cells = [name, f"{t:.3f}", _fmt(d["P"]), _fmt(d["R"]), f"{100 * d['body_lost']:.1f} %", _fmt(d["headline_removed"])]
            cells += [_fmt(d[f"R_{n}"]) for n in rp.POSITIVE_LABELS] + [str(d["removed"])]
            print("| " + " | ".join(cells) + " |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"model file to write (default: {DEFAULT_OUT})")
    ap.add_argument("--date", help="the version's fit date, YYYYMMDD (default: SOURCE_DATE_EPOCH, else today UTC)")
    ap.add_argument("--rounds", type=int, default=N_ROUNDS)
    args = ap.parse_args(argv)
    if not rp.available():
        print(f"fit-segments: skipped, {rp.ROOT} has no real-pages corpora")
        return 0
    t0 = time.time()
    pages = rp.load_all()
    print(f"fit-segments: inputs {', '.join(str(rp.ROOT / (n + '.segments.jsonl.gz')) for n in rp.CORPORA)}")
    for name, c in rp.counts(pages).items():
        print(f"  {name}: {c['pages']} pages, {c['segments']} segments, {c['groups']} site groups")
    feats = features(pages)
    print(f"  features {FEATURES_VERSION} ({len(NAMES)}) in {time.time() - t0:.0f}s; LightGBM {args.rounds} rounds, {PARAMS}")
    print(f"out-of-fold scores, {FOLDS} site-grouped folds over both corpora:")
    scores, _ = oof_scores(pages, feats, rounds=args.rounds, log=print)
    y = np.concatenate([rp.positive(p) for p in pages])
    threshold = rp.threshold_for_precision(scores, y, TARGET_PRECISION)
    print(f"threshold (removal precision >= {TARGET_PRECISION} on pooled OOF scores): {threshold:.4f}")
    print_figures("\nheld-out sites (OOF scores), at the threshold and on the trade-off curve:", scores, pages, [threshold, 0.5, 0.9, 0.99])
    cm = oof_labels(pages, feats)
    print(f"\nlabeller, site-grouped out-of-fold on L3S-GN1's boilerplate (rows: true, columns: predicted {list(LABELS)}):")
    for k, (name, row) in enumerate(zip(LABELS, cm, strict=True)):
        print(
            f"  {name:>12}: {row.tolist()}  recall {_fmt(row[k] / max(row.sum(), 1))}  precision {_fmt(cm[k, k] / max(cm[:, k].sum(), 1))}"
        )
    date = args.date or fit_date()
    model = fit(pages, feats, threshold=threshold, date=date, rounds=args.rounds, threshold_rule=THRESHOLD_RULE)
    write_model(model, args.out)
    size = args.out.stat().st_size
    print(f"\nwrote {args.out} ({size / 1e6:.2f} MB): version {model['version']}, threshold {model['threshold']}")
    print(f"done in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
